#!/usr/bin/env bash
# GetUserAuthFactors and SetUserMFAPreference throughput with N nodes (default 1) on one database:
# SQLite (default; one node only) or PostgreSQL ($DATABASE_URL). With two nodes, wrk drives both at
# once (32 connections each) and the figures add up. Reports figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
nodes=${NODES:-1}
duration=${DURATION:-10s}
users=${USERS:-200}
py="$root/.venv/bin/python"
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
cargo build --release --quiet --bin cognate
db_args=(--data-dir "$work/data")
if [ -n "${DATABASE_URL:-}" ]; then
  db=$(basename "$DATABASE_URL"); base=${DATABASE_URL%/*}
  psql "$base/postgres" -qc "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS cognate_bench WITH (FORCE)" -c "CREATE DATABASE cognate_bench" >/dev/null
  db_args=(--database-url "$base/cognate_bench")
fi
endpoints=()
for n in $(seq 1 "$nodes"); do
  "$root/target/release/cognate" --port 0 "${db_args[@]}" --public-url http://cognate.bench --log warn,cognate=info > "$work/log$n" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q 'addr=' "$work/log$n" && break; sleep 0.1; done
  endpoints+=("http://$(grep -o 'addr=[^ ]*' "$work/log$n" | head -1 | cut -d= -f2)")
done
store=sqlite; [ -n "${DATABASE_URL:-}" ] && store=postgresql
echo "nodes: ${endpoints[*]} ($store), $users users"
"$py" bench/seed.py "${endpoints[0]}" "$users" > "$work/seed.json"
"$py" -c "import json,sys; print('\n'.join(json.load(open(sys.argv[1]))['tokens']))" "$work/seed.json" > "$work/tokens"
conns=$((64 / nodes))
for op in GetUserAuthFactors SetUserMFAPreference; do
  echo "== $op: $nodes node(s), $conns connections each, $duration"
  wpids=()
  for e in "${endpoints[@]}"; do
    OP=$op TOKENS_FILE="$work/tokens" wrk -t1 -c"$conns" -d"$duration" --latency -s bench/wrk/token_op.lua "$e/" > "$work/wrk-$op-${e##*:}" &
    wpids+=($!)
  done
  wait "${wpids[@]}"
  total=0
  for e in "${endpoints[@]}"; do
    f="$work/wrk-$op-${e##*:}"
    rps=$(awk '/Requests\/sec/ {print $2}' "$f"); p99=$(awk '$1=="99%" {print $2}' "$f"); errs=$(awk '/non-200/ {print $3}' "$f")
    echo "  $e: $rps req/s, p99 $p99, non-200 $errs"
    total=$(awk -v a="$total" -v b="$rps" 'BEGIN {print a + b}')
  done
  echo "  total: $total req/s"
done
