#!/usr/bin/env bash
# The one test command (README, .ci/run): lints, unused dependencies, the Rust test suites (unit,
# store conformance on SQLite and PostgreSQL, the AWS SDK for Rust against the server, two nodes on
# one database), then the client suites against the built binary: Python (boto3, AWS CLI, pycognito,
# PyJWT) and JavaScript (amazon-cognito-identity-js, the JS v3 SDK, aws-jwt-verify, a passkey in
# headless Chromium). Installs what it needs (cargo-machete, a Python venv under .venv, npm packages
# under tests/clients/js/node_modules, PostgreSQL if none is running) and is safe to run again.
# Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "unused dependencies (cargo-machete)"
# Reads the sources against each Cargo.toml without compiling (well under a second); installed once,
# at a pinned version so that every machine reports the same.
machete_version=0.9.2
if [ "$(cargo machete --version 2>/dev/null)" != "$machete_version" ]; then
  cargo install --locked --quiet "cargo-machete@$machete_version"
fi
cargo machete --skip-target-dir

step "no import cycle between the files of a crate"
python3 tools/import_cycles.py

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

step "client suites: headless Chromium for the passkey browser test"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

step "client suites: npm packages (tests/clients/js)"
js="$root/tests/clients/js"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm (Node.js >= 20) is needed for the JavaScript client suite" >&2
  exit 1
fi
# npm ci only when package-lock.json (or Node's major version) changed since the last install.
js_stamp="$js/node_modules/.package-lock.sha256"
js_want="$(sha256sum "$js/package-lock.json" | cut -d' ' -f1) node-$(node -p 'process.versions.node.split(".")[0]')"
if [ "$(cat "$js_stamp" 2>/dev/null)" != "$js_want" ]; then
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$js_want" > "$js_stamp"
fi

cargo build --quiet --bin cognate
export COGNATE_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/cognate"
export PATH="$venv/bin:$PATH"
status=0

step "client suites: Python (boto3, AWS CLI, pycognito, PyJWT) against $COGNATE_BIN"
(cd "$root/tests/clients/python" && "$venv/bin/python" -m pytest -q -rxX -p no:cacheprovider .) || status=$?

step "client suites: JavaScript (amazon-cognito-identity-js, JS v3 SDK, aws-jwt-verify) against $COGNATE_BIN"
(cd "$js" && node --test) || status=$?

exit "$status"
