# `make run` and `make test` are all a newcomer needs (Python 3.11+ and make).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.DEFAULT_GOAL := install
.PHONY: install lock lock-check messages install-browser run test test-postgres fuzz lint typecheck format migrate seed serve migration bench clean clients

# Installed from uv.lock (exact versions with their hashes), never resolved afresh: two installs
# a month apart are the same. `--locked` refuses a lock that no longer matches pyproject.toml.
UV_VERSION := 0.13.9
UV := $(BIN)/uv

$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	VIRTUAL_ENV=$(abspath $(VENV)) $(UV) sync --quiet --locked --inexact --extra dev --active
	touch $(STAMP)

install: $(STAMP)

# After changing the dependencies in pyproject.toml: resolve them again into uv.lock (commit both).
# `make lock UPGRADE=1` also moves every package to its newest allowed version.
lock: | $(UV)
	$(UV) lock $(if $(UPGRADE),--upgrade)

# Fails when pyproject.toml and uv.lock disagree (CI runs it).
lock-check: | $(UV)
	$(UV) lock --check

# The message catalog: extract what the code marks (tr, N_; the partner kit's too), update the
# French .po (then translate every new entry: tests/test_i18n.py fails until each has its French).
# No fuzzy matching: a new message never starts from a near one's French, which would read right
# and say something else.
LOCALE := src/ehp_api/locale
messages: install
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k tr -k N_ --no-location --sort-output --omit-header -o $(LOCALE)/messages.pot src partner/src
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages -l fr --ignore-obsolete --no-wrap --no-fuzzy-matching

# Debian's Chromium, which tests/e2e/test_docs_browser.py drives (Playwright never downloads one).
install-browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else echo "/usr/bin/chromium is missing: run 'sudo make install-browser' (or 'sudo apt-get install chromium'); until then the browser test is skipped"; fi

run: install migrate seed serve

migrate: install
	$(BIN)/ehp-api db upgrade

seed: install
	$(BIN)/ehp-api seed

serve: install
	$(BIN)/ehp-api serve

test: install
	$(BIN)/pytest -q

test-postgres: install
	EHP_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q

# A long schema fuzzing run (make test runs a short one); EHP_TEST_DATABASE_URL=... for PostgreSQL.
fuzz: install
	EHP_FUZZ_EXAMPLES=$(or $(EXAMPLES),100) EHP_FUZZ_COVERAGE=1 EHP_FUZZ_SCENARIOS=$(or $(SCENARIOS),50) EHP_FUZZ_STEPS=30 EHP_FUZZ_RANDOM=1 $(BIN)/pytest -q tests/fuzz

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

CLIENT_TOOLS := tools/clients

# The pinned generators of the contract check (tools/clients/package-lock.json), from npm.
$(CLIENT_TOOLS)/node_modules/.installed: $(CLIENT_TOOLS)/package.json $(CLIENT_TOOLS)/package-lock.json
	npm ci --prefix $(CLIENT_TOOLS) --no-audit --no-fund --silent
	touch $@

# The contract check: a Python client and TypeScript types from the served OpenAPI document,
# failing on any warning (scripts/generate_clients.sh; output in build/clients). Needs Node.js.
clients: install $(CLIENT_TOOLS)/node_modules/.installed
	scripts/generate_clients.sh

# mypy on src/ (CI runs it); scripts/mypy_sqlmodel.py types a table's class attributes as columns.
typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Usage: make migration MESSAGE="add readings"; then read and hand-check the generated file.
migration: install
	$(BIN)/alembic revision --autogenerate -m "$(MESSAGE)"

# POST /readings/batch against a plain Core insert, on SQLite and PostgreSQL (see benchmarks/).
bench: install
	$(BIN)/python benchmarks/readings_batch.py

.PHONY: bench-volume bench-export bench-load bench-reads
# A PostgreSQL database with 1,000,000 readings, 100,000 alerts and 100,000 complaints, kept:
# its URL is printed (drop it with dropdb when done).
bench-volume: install
	$(BIN)/python benchmarks/volume.py --keep

# Resident memory and rows/s of the CSV export of 1,000,000 readings (URL=... reuses a database).
bench-export: install
	$(BIN)/python benchmarks/export_memory.py $(if $(URL),--url $(URL))

.PHONY: faults
# PostgreSQL restarted under traffic, the server killed mid-batch, a dropped client: PASS/FAIL each
# (a private PostgreSQL cluster on port 55432, removed at the end; see docs/operations.md "Faults").
faults: install
	$(BIN)/python benchmarks/faults.py all

# A mixed workload against `ehp-api serve --workers 2` on PostgreSQL: ramp, half load, overload,
# recovery, against a bare FastAPI endpoint in the same run (a few minutes; its database is dropped).
bench-load: install
	$(BIN)/python benchmarks/load.py

# Authenticated reads against a bare FastAPI + SQLModel read in the same run, SQLite and PostgreSQL.
bench-reads: install
	$(BIN)/python benchmarks/reads.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache ehp.db ehp.db-shm ehp.db-wal

.PHONY: mutate
# Mutation testing of the rules' modules, each against the tests that reach it (scripts/mutate.py):
# a score per module and its survivors. TARGETS="complaints alerts" for some, EVERY=20 for CI's sample.
mutate: install
	$(BIN)/python scripts/mutate.py $(TARGETS) --every $(or $(EVERY),1)
