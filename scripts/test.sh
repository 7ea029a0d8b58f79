#!/usr/bin/env bash
# The one test command (README, .ci/run): lints, the Rust test suites (unit, store conformance on
# SQLite and PostgreSQL, the AWS SDK for Rust against the server, two nodes on one database), then the
# client suites (boto3, AWS CLI) against the built binary. Installs what it needs (a Python venv under
# .venv; PostgreSQL if none is running) and is safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "PostgreSQL for the store conformance suite and the multi-node test"
COGNATE_TEST_POSTGRES_URL=$(bash scripts/postgres.sh)
export COGNATE_TEST_POSTGRES_URL

step "cargo test"
cargo test --workspace

step "client suites: Python venv"
venv="$root/.venv"
req="$root/tests/clients/python/requirements.txt"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -r "$req"
  echo "$want" > "$stamp"
fi

step "client suites: boto3 and the AWS CLI against target/debug/cognate"
cargo build --quiet --bin cognate
export COGNATE_BIN="$root/target/debug/cognate"
export PATH="$venv/bin:$PATH"
cd "$root/tests/clients/python"
"$venv/bin/python" -m pytest -q -p no:cacheprovider .
