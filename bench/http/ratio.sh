#!/usr/bin/env bash
# bench/http/ratio.sh BUILD_DIR [SECONDS] [ROUNDS]: POST /v1/evaluate (the 3-line reference
# package, bench/http/request.json) against GET /healthz on the same server, wrk with one
# thread and 16 keep-alive connections, alternating ROUNDS times (default 3), SECONDS each
# (default 5). Prints each run's req/s and p99, and per round evaluate / healthz. With
# BASELINE=path/to/another/jointly, that binary's server is measured in the same rounds, right
# after this build's, so the two can be compared side by side. Numbers, not pass/fail.
set -euo pipefail
build=${1:?build dir}; seconds=${2:-5}; rounds=${3:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source "$root/bench/http/common.sh"

# serve NAME BINARY: starts a server, prints its port
serve() {
  "$2" serve --policies policies --db "$work/$1.db" --port 0 --insecure-dev --open-evaluation --quiet \
    >"$work/$1.log" 2>&1 &
  pids+=($!)
  wait_port "$work/$1.log"
}

# load PORT PATH: req/s and p99 of one run
load() {
  if [ "$2" = /healthz ]; then
    WRK_METHOD=GET WRK_PATH=$2 wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$1"
  else
    WRK_PATH=$2 wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$1"
  fi | grep RESULT | sed -E 's/.*requests_per_s=([0-9]+).*p99_ms=([0-9.]+).*/\1 \2/'
}

names=(this); ports=("$(serve this "$build/app/jointly")")
if [ -n "${BASELINE:-}" ]; then names+=(baseline); ports+=("$(serve baseline "$BASELINE")"); fi
for i in "${!ports[@]}"; do  # warm-up
  load "${ports[$i]}" /healthz >/dev/null
  load "${ports[$i]}" /v1/evaluate >/dev/null
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  for i in "${!ports[@]}"; do
    read -r h hp < <(load "${ports[$i]}" /healthz)
    read -r e ep < <(load "${ports[$i]}" /v1/evaluate)
    awk -v n="${names[$i]}" -v r="$r" -v h="$h" -v hp="$hp" -v e="$e" -v ep="$ep" 'BEGIN {
      printf "round %d %-8s healthz %6d req/s (p99 %s ms)  evaluate %6d req/s (p99 %s ms)  evaluate/healthz %.2f\n",
        r, n, h, hp, e, ep, e / h }'
  done
done
