#!/usr/bin/env bash
# bench/http/stored.sh BUILD_DIR [SECONDS] [ROUNDS]: POST /v1/decisions (the 3-line reference
# package, bench/http/request.json, stored in SQLite and acknowledged after commit), wrk with
# one thread and 16 keep-alive connections, SECONDS each (default 8), ROUNDS times (default 3).
# Prints each run's req/s, p50 and p99, and the server's CPU time per stored decision (user +
# system, from /proc). With BASELINE=path/to/another/jointly, that binary's server (its own
# database) is loaded right after this build's in every round, so the two are compared side
# by side. Numbers, not pass/fail.
set -euo pipefail
build=${1:?build dir}; seconds=${2:-8}; rounds=${3:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source "$root/bench/http/common.sh"

# load PORT PID: one run's req/s, p50, p99 and the server's CPU microseconds per request
load() {
  local before after
  before=$(cpu_ticks "$2")
  WRK_PATH=/v1/decisions wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$1" |
    grep RESULT >"$work/result"
  after=$(cpu_ticks "$2")
  sed -E 's/.*requests_per_s=([0-9]+) requests=([0-9]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+).*/\1 \2 \3 \4/' "$work/result" |
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
      '{ printf "%6d req/s  p50 %s ms  p99 %s ms  %5.1f us CPU a stored decision\n", $1, $3, $4, ticks / hz * 1e6 / $2 }'
}

names=(this); ports=("$(serve this "$build/app/jointly")"); spids=("$(cat "$work/this.pid")")
if [ -n "${BASELINE:-}" ]; then
  names+=(baseline); ports+=("$(serve baseline "$BASELINE")"); spids+=("$(cat "$work/baseline.pid")")
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  for i in "${!ports[@]}"; do
    printf "round %d %-8s %s\n" "$r" "${names[$i]}" "$(load "${ports[$i]}" "${spids[$i]}")"
  done
done
