#!/usr/bin/env bash
# bench/http/ratio.sh BUILD_DIR [SECONDS] [ROUNDS]: POST /v1/evaluate (the 3-line reference
# package, bench/http/request.json) against GET /healthz on the same server, wrk with one
# thread and 16 keep-alive connections, alternating ROUNDS times (default 3), SECONDS each
# (default 5). Prints each run's req/s and p99, the server's CPU time per request (user +
# system, from /proc: unlike req/s, it hardly moves when other work shares the machine), and
# per round evaluate / healthz of both (req/s, and healthz CPU / evaluate CPU). With
# BASELINE=path/to/another/jointly, that binary's server is measured in the same rounds, right
# after this build's, so the two can be compared side by side. With FLOOR=1, bench/http_floor
# (cpp-httplib set up as jointly serve, with routes that do no work and answer the same bytes)
# is measured in the same rounds too, and each round also prints the bound its evaluate req/s
# puts on this build's ratio: floor evaluate / this build's healthz, what an engine that cost
# nothing would reach. Numbers, not pass/fail.
set -euo pipefail
build=${1:?build dir}; seconds=${2:-5}; rounds=${3:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source "$root/bench/http/common.sh"

# load PORT PID PATH: req/s, p99 and the server's CPU microseconds per request of one run
load() {
  local before after
  before=$(cpu_ticks "$2")
  if [ "$3" = /healthz ]; then
    WRK_METHOD=GET WRK_PATH=$3 wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$1"
  else
    WRK_PATH=$3 wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$1"
  fi | grep RESULT >"$work/result"
  after=$(cpu_ticks "$2")
  sed -E 's/.*requests_per_s=([0-9]+) requests=([0-9]+).*p99_ms=([0-9.]+).*/\1 \3 \2/' "$work/result" |
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '{ printf "%s %s %.1f\n", $1, $2, ticks / hz * 1e6 / $3 }'
}

names=(this); ports=("$(serve this "$build/app/jointly")"); spids=("$(cat "$work/this.pid")")
if [ -n "${BASELINE:-}" ]; then
  names+=(baseline); ports+=("$(serve baseline "$BASELINE")"); spids+=("$(cat "$work/baseline.pid")")
fi
if [ "${FLOOR:-0}" = 1 ]; then
  # The floor answers this build's own answer to the request, byte for byte.
  python3 - "${ports[0]}" >"$work/answer.json" <<'PY'
import sys, urllib.request
body = open("bench/http/request.json", "rb").read()
request = urllib.request.Request("http://127.0.0.1:%s/v1/evaluate" % sys.argv[1], data=body,
                                 headers={"Content-Type": "application/json"})
sys.stdout.buffer.write(urllib.request.urlopen(request).read())
PY
  "$build/bench/http_floor" "$work/answer.json" 128 >"$work/floor.log" 2>&1 &
  pids+=($!)
  names+=(floor); ports+=("$(wait_port "$work/floor.log")"); spids+=("$!")
fi
for i in "${!ports[@]}"; do  # warm-up
  load "${ports[$i]}" "${spids[$i]}" /healthz >/dev/null
  load "${ports[$i]}" "${spids[$i]}" /v1/evaluate >/dev/null
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  this_healthz=0
  for i in "${!ports[@]}"; do
    read -r h hp hc < <(load "${ports[$i]}" "${spids[$i]}" /healthz)
    read -r e ep ec < <(load "${ports[$i]}" "${spids[$i]}" /v1/evaluate)
    [ "$i" = 0 ] && this_healthz=$h
    awk -v n="${names[$i]}" -v r="$r" -v h="$h" -v hp="$hp" -v hc="$hc" -v e="$e" -v ep="$ep" -v ec="$ec" \
        -v th="$this_healthz" 'BEGIN {
      printf "round %d %-8s healthz %6d req/s (p99 %s ms, %5.1f us CPU)  evaluate %6d req/s (p99 %s ms, %5.1f us CPU)  evaluate/healthz %.2f req/s, %.2f CPU",
        r, n, h, hp, hc, e, ep, ec, e / h, hc / ec
      if (n == "floor") printf "  bound on this build: %.2f", e / th
      printf "\n" }'
  done
done
