#!/usr/bin/env bash
# bench/http/run.sh BUILD_DIR [SECONDS]: loopback load with wrk, 16 keep-alive connections,
# one wrk thread (the load generator shares the 2 cores), default server threads, against:
#   1. jointly  POST /v1/evaluate   (not stored)
#   2. jointly  POST /v1/decisions  (stored in SQLite, durable)
#   3. jointly  POST /v1/decisions  (stored in PostgreSQL, a throwaway cluster with fsync on;
#               only when PostgreSQL is installed: tests/pg/cluster.sh)
#   4. the Node.js http + json-rules-engine baseline (bench/http/node-baseline) on the same body
# Prints one RESULT line per run. Numbers, not pass/fail. Needs wrk and node (npm install once).
set -euo pipefail
build=${1:?build dir}; seconds=${2:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

wait_port() {  # wait_port LOGFILE -> prints the port once "listening on HOST:PORT" appears
  for _ in $(seq 1 200); do
    port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$1" 2>/dev/null | head -1 | sed 's/.*://') || true
    [ -n "${port:-}" ] && { echo "$port"; return 0; }
    sleep 0.05
  done
  echo "server did not start: $(cat "$1")" >&2; return 1
}

"$build/app/jointly" serve --policies policies --db "$work/bench.db" --port 0 --insecure-dev --open-evaluation --quiet \
  >"$work/jointly.log" 2>&1 &
pids+=($!)
port=$(wait_port "$work/jointly.log")
for path in /v1/evaluate /v1/decisions; do
  WRK_PATH=$path wrk -t1 -c16 -d2s -s bench/http/post.lua "http://127.0.0.1:$port" >/dev/null  # warm-up
  echo "jointly $path:"
  WRK_PATH=$path wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$port" | grep -E 'RESULT|Requests/sec'
done

JOINTLY_PG_FSYNC=on tests/pg/cluster.sh start "$work/pg" >/dev/null
if [ -s "$work/pg/url" ]; then
  "$build/app/jointly" serve --policies policies --db "$(cat "$work/pg/url")" --port 0 --insecure-dev \
    --open-evaluation --quiet >"$work/jointly-pg.log" 2>&1 &
  pg_server=$!
  pgport=$(wait_port "$work/jointly-pg.log")
  WRK_PATH=/v1/decisions wrk -t1 -c16 -d2s -s bench/http/post.lua "http://127.0.0.1:$pgport" >/dev/null
  echo "jointly /v1/decisions (PostgreSQL):"
  WRK_PATH=/v1/decisions wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$pgport" \
    | grep -E 'RESULT|Requests/sec'
  kill "$pg_server"; wait "$pg_server" 2>/dev/null || true
fi
tests/pg/cluster.sh stop "$work/pg"

if command -v node >/dev/null; then
  (cd bench/http/node-baseline && [ -d node_modules ] || npm install --no-audit --no-fund >/dev/null)
  PORT=0 node bench/http/node-baseline/server.js >"$work/node.log" 2>&1 &
  pids+=($!)
  nport=$(wait_port "$work/node.log")
  WRK_PATH=/ wrk -t1 -c16 -d2s -s bench/http/post.lua "http://127.0.0.1:$nport" >/dev/null
  echo "node http + json-rules-engine /:"
  WRK_PATH=/ wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$nport" | grep -E 'RESULT|Requests/sec'
fi
