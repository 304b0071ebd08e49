"""The README, run as written: a new user's first minutes, from outside the process."""

import re

import httpx

from tests.e2e import harness

# What the quick tour must keep showing: if a block that does one of these is removed, the
# suite says so instead of silently testing less.
MUST_RUN = {
    "a read-only key": r"ehp-api create-api-key --org OCHA --role analyst",
    "a person's account, password on standard input": r"\|\s*\.venv/bin/ehp-api create-user ",
    "a login": r"/api/v1/auth/token",
    "a partner's batch with an idempotency key": r"Idempotency-Key: ",
    "a filled-in template pushed": r"\.venv/bin/ehp-api push ",
    "the retention purge": r"\.venv/bin/ehp-api purge-identities",
    "the expiry of idempotency keys": r"\.venv/bin/ehp-api purge-expired",
    "the kept totals rebuilt": r"\.venv/bin/ehp-api db rebuild-totals",
    "a migration rolled back": r"\.venv/bin/ehp-api db downgrade ",
    "and forward again": r"\.venv/bin/ehp-api db upgrade",
}


def tour() -> list[harness.Block]:
    """Every `sh` block after the first (the first is `make run` / `make test`)."""
    return harness.fenced_blocks(harness.README)[1:]


def test_the_readme_starts_with_make_run_and_make_test() -> None:
    first = harness.fenced_blocks(harness.README)[0].body
    assert re.search(r"^make run\b", first, re.MULTILINE)
    assert re.search(r"^make test\b", first, re.MULTILINE)
    assert harness.start_command() == "make run"


def test_the_tour_shows_what_a_new_user_needs() -> None:
    text = "\n".join(block.body for block in tour())
    missing = [what for what, pattern in MUST_RUN.items() if not re.search(pattern, text)]
    assert not missing, f"the README's sh blocks no longer show: {missing}"


def test_the_server_started_by_make_run_is_ready(server: harness.Server) -> None:
    ready = httpx.get(f"{server.base_url}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text
    docs = httpx.get(f"{server.base_url}/docs", timeout=5)
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text


def test_every_readme_command_runs_as_written(server: harness.Server) -> None:
    """The blocks run in order in one shell, as a user pastes them (a variable set in one is
    there in the next): a command that fails (an HTTP error, a CLI that crashes, a typo) fails
    the test, naming the block's line and the command."""
    script = "\n".join(
        f"echo '--- README.md line {block.line}' >&2\n{block.body}" for block in tour()
    )
    result = harness.run_shell(server, script)
    assert result.returncode == 0, (
        f"--- stdout (end) ---\n{result.stdout[-2000:]}\n--- stderr ---\n{result.stderr}"
    )
    # What the tour did is there, seen through the API by a key of its own.
    assert '"access_token"' in result.stdout
    secretariat = harness.cli_key(server, "OCHA", "secretariat")
    for period, count in (("2021Q2", 2), ("2021Q3", 2)):
        page = httpx.get(
            f"{server.base_url}/api/v1/readings",
            params={"organisation": "HCR", "period": period},
            headers={"Authorization": f"Bearer {secretariat}"},
            timeout=10,
        )
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) == count
    assert httpx.get(f"{server.base_url}/readyz", timeout=5).status_code == 200
