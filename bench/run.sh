#!/usr/bin/env bash
# Load figures on this machine: starts target/release/cognate on a temporary data dir (or uses
# $ENDPOINT), seeds users, then drives GetUser, GetUserAuthFactors and SetUserMFAPreference with wrk
# (64 connections) and password sign-ins with a thread pool. Needs wrk (Debian package) and the
# .venv that scripts/test.sh creates. Reports figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
duration=${DURATION:-10s}
users=${USERS:-200}
py="$root/.venv/bin/python"
work=$(mktemp -d)
trap 'if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
if [ -z "${ENDPOINT:-}" ]; then
  cargo build --release --quiet --bin cognate
  "$root/target/release/cognate" --port 0 --data-dir "$work/data" --log warn,cognate=info > "$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q 'addr=' "$work/log" && break; sleep 0.1; done
  ENDPOINT="http://$(grep -o 'addr=[^ ]*' "$work/log" | head -1 | cut -d= -f2)"
fi
echo "endpoint $ENDPOINT, $users users"
"$py" bench/seed.py "$ENDPOINT" "$users" > "$work/seed.json"
"$py" -c "import json,sys; print('\n'.join(json.load(open(sys.argv[1]))['tokens']))" "$work/seed.json" > "$work/tokens"
for op in GetUser GetUserAuthFactors SetUserMFAPreference; do
  echo "== $op (wrk, 64 connections, $duration)"
  OP=$op TOKENS_FILE="$work/tokens" wrk -t2 -c64 -d"$duration" --latency -s bench/wrk/token_op.lua "$ENDPOINT/" | grep -E 'Requests/sec|50%|99%|non-200|Socket errors'
done
echo "== USER_PASSWORD_AUTH"
"$py" bench/signin.py "$work/seed.json" 10 8
if [ -n "${pid:-}" ]; then echo "server RSS after the run: $(ps -o rss= -p "$pid") KiB"; fi
