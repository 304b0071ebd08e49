#!/usr/bin/env bash
# The contract check (docs/api.md, "Generated clients"): the OpenAPI document the app serves
# must give a Python client (openapi-python-client) and TypeScript types (openapi-typescript,
# compiled by tsc --strict) without a single warning. Anything a generator prints beyond its
# own progress lines fails the check. `make clients` installs the pinned generators and runs it.
# Usage: scripts/generate_clients.sh [OUT]  (default build/clients: openapi.json,
# python/ehp_api_client/, ts/api.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/clients}"
tools=tools/clients
# ruff, which openapi-python-client runs over what it wrote, and the package's python.
export PATH="$PWD/.venv/bin:$PATH"

# Runs a generator; fails when it fails or prints a line that does not match $2.
quiet() {
  local name="$1" expected="$2" log
  shift 2
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2; echo "contract check: $name failed" >&2; exit 1
  fi
  if grep -vE "$expected" "$log" | grep -q .; then
    cat "$log" >&2; echo "contract check: $name printed warnings (above)" >&2; exit 1
  fi
  rm -f "$log"
}

rm -rf "$out" && mkdir -p "$out/ts"
python - "$out/openapi.json" <<'PY'
import json
import sys

from ehp_api.main import create_app

with open(sys.argv[1], "w", encoding="utf-8") as sink:
    json.dump(create_app().openapi(), sink, indent=1)
PY

quiet openapi-python-client '^Generating ' \
  openapi-python-client generate --path "$out/openapi.json" --output-path "$out/python/ehp_api_client" \
  --meta none --config "$tools/openapi-python-client.yaml"
quiet "the generated client's import" '^$' python -c "import sys; sys.path.insert(0, '$out/python'); import ehp_api_client.api, ehp_api_client.models"

quiet openapi-typescript '^(✨ openapi-typescript |🚀 )' \
  "$tools/node_modules/.bin/openapi-typescript" "$out/openapi.json" -o "$out/ts/api.ts" \
  --enum --root-types --root-types-no-schema-prefix
quiet tsc '^$' "$tools/node_modules/.bin/tsc" --noEmit --strict --target es2022 "$out/ts/api.ts"

echo "contract check: Python client and TypeScript types generated without a warning ($out)"
