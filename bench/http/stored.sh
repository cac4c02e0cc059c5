#!/usr/bin/env bash
# bench/http/stored.sh BUILD_DIR [SECONDS] [ROUNDS]: POST /v1/decisions (the 3-line reference
# package, bench/http/request.json, stored in SQLite and acknowledged after commit), wrk with
# one thread and 16 keep-alive connections, SECONDS each (default 8), ROUNDS times (default 3).
# Prints each run's req/s, p50 and p99, and the server's CPU time per stored decision (user +
# system, from /proc). With BASELINE=path/to/another/jointly, that binary's server (its own
# database) is loaded right after this build's in every round, so the two are compared side
# by side. With PG=1 each server stores in a database of its own in a throwaway PostgreSQL
# cluster (tests/pg/cluster.sh, fsync on) instead of SQLite. With WRK_KEYS=1 each request
# carries an Idempotency-Key of its own (bench/http/post.lua); CONNECTIONS=N sets wrk's
# keep-alive connections (default 16). Numbers, not pass/fail.
set -euo pipefail
build=${1:?build dir}; seconds=${2:-8}; rounds=${3:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source "$root/bench/http/common.sh"

# load PORT PID: one run's req/s, p50, p99 and the server's CPU microseconds per request
load() {
  local before after
  before=$(cpu_ticks "$2")
  WRK_PATH=/v1/decisions wrk -t1 -c"${CONNECTIONS:-16}" -d"${seconds}s" --latency -s bench/http/post.lua \
    "http://127.0.0.1:$1" |
    grep RESULT >"$work/result"
  after=$(cpu_ticks "$2")
  sed -E 's/.*requests_per_s=([0-9]+) requests=([0-9]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+).*/\1 \2 \3 \4/' "$work/result" |
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
      '{ printf "%6d req/s  p50 %s ms  p99 %s ms  %5.1f us CPU a stored decision\n", $1, $3, $4, ticks / hz * 1e6 / $2 }'
}

# store NAME: the --db of server NAME (an SQLite file, or with PG=1 a database of the cluster)
store() { echo "$work/$1.db"; }
if [ "${PG:-0}" = 1 ]; then
  JOINTLY_PG_FSYNC=on tests/pg/cluster.sh start "$work/pg" >/dev/null
  trap 'tests/pg/cluster.sh stop "$work/pg"; cleanup' EXIT
  [ -s "$work/pg/url" ] || { echo "PG=1: PostgreSQL is not installed (tests/pg/cluster.sh)" >&2; exit 1; }
  # the cluster's URL is postgresql://jointly@/jointly?host=SOCKET_DIR; a database a server
  host=$(sed 's/.*?host=//' "$work/pg/url")
  for name in this baseline; do
    psql "postgresql://jointly@/postgres?host=$host" -qAt -c "CREATE DATABASE $name" >/dev/null
  done
  store() { echo "postgresql://jointly@/$1?host=$host"; }
fi

names=(this); ports=("$(serve this "$build/app/jointly" --db "$(store this)")"); spids=("$(cat "$work/this.pid")")
if [ -n "${BASELINE:-}" ]; then
  names+=(baseline); ports+=("$(serve baseline "$BASELINE" --db "$(store baseline)")")
  spids+=("$(cat "$work/baseline.pid")")
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  for i in "${!ports[@]}"; do
    printf "round %d %-8s %s\n" "$r" "${names[$i]}" "$(load "${ports[$i]}" "${spids[$i]}")"
  done
done
