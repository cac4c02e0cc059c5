#!/usr/bin/env bash
# bench/http/batch.sh BUILD_DIR [SECONDS] [ROUNDS] [SIZE]: POST /v1/evaluate/batch with SIZE
# (default 100) copies of the 3-line reference package (bench/http/request.json, each with its
# own case_ref), wrk with one thread and 4 keep-alive connections, ROUNDS times (default 3),
# SECONDS each (default 5). Prints batches/s, decisions/s, p99 and the server's CPU time per
# decision (user + system, from /proc). With BASELINE=path/to/another/jointly, that binary's
# server is measured in the same rounds, right after this build's, so the two can be compared
# side by side. Numbers, not pass/fail.
set -euo pipefail
build=${1:?build dir}; seconds=${2:-5}; rounds=${3:-3}; size=${4:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source "$root/bench/http/common.sh"

python3 - "$size" >"$work/batch.json" <<'PY'
import json, sys
request = json.load(open("bench/http/request.json"))
batch = []
for i in range(int(sys.argv[1])):
    r = dict(request)
    r["case_ref"] = "B-%d" % i
    batch.append(r)
print(json.dumps({"requests": batch}))
PY

load() {  # load PORT PID: batches/s, p99 and the server's CPU microseconds per decision
  local before after
  before=$(cpu_ticks "$2")
  WRK_PATH=/v1/evaluate/batch WRK_BODY="$work/batch.json" wrk -t1 -c4 -d"${seconds}s" --latency \
    -s bench/http/post.lua "http://127.0.0.1:$1" | grep RESULT >"$work/result"
  after=$(cpu_ticks "$2")
  grep -q 'non2xx=0 errors=0' "$work/result" || { echo "failed requests: $(cat "$work/result")" >&2; exit 1; }
  sed -E 's/.*requests_per_s=([0-9]+) requests=([0-9]+).*p99_ms=([0-9.]+).*/\1 \3 \2/' "$work/result" |
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v size="$size" \
      '{ printf "%s %s %.2f\n", $1, $2, ticks / hz * 1e6 / ($3 * size) }'
}

names=(this); ports=("$(serve this "$build/app/jointly" --max-batch "$size")"); spids=("$(cat "$work/this.pid")")
if [ -n "${BASELINE:-}" ]; then
  names+=(baseline); ports+=("$(serve baseline "$BASELINE" --max-batch "$size")"); spids+=("$(cat "$work/baseline.pid")")
fi
for i in "${!ports[@]}"; do load "${ports[$i]}" "${spids[$i]}" >/dev/null; done  # warm-up
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $size requests a batch ($(wc -c <"$work/batch.json") bytes)"
for r in $(seq 1 "$rounds"); do
  for i in "${!ports[@]}"; do
    read -r b p c < <(load "${ports[$i]}" "${spids[$i]}")
    awk -v n="${names[$i]}" -v r="$r" -v b="$b" -v p="$p" -v c="$c" -v size="$size" 'BEGIN {
      printf "round %d %-8s %6d batches/s = %7d decisions/s (p99 %s ms, %5.2f us CPU a decision)\n", r, n, b, b * size, p, c }'
  done
done
