#!/usr/bin/env bash
# bench/simulate.sh BUILD_DIR [RUNS] [BIG_CASES]: times `jointly simulate` on the reference
# policy's seeded caseload (examples/generate_caseload.py --seed 7):
#   1. 100,000 cases, one version (policies/reference) and two (--vs reference-8-weeks.jf),
#      RUNS times each (default 5), alternating; prints min / median / max wall seconds;
#   2. BIG_CASES cases (default 1,500,000; 0 skips it), one and two versions, once each:
#      wall seconds and peak resident memory (GNU time).
# With BASELINE=path/to/another/jointly, each 100,000-case run is repeated with that binary
# right after, and the ratio of the medians (this build / baseline) is printed: figures to
# compare are taken side by side, in one run. With NODE_RUNS=N (N > 0), the same 100,000 cases
# are also run N times through json-rules-engine (bench/http/node-baseline/simulate.js, the
# tool a team would otherwise use; `npm ci` there once), its outcomes and funded totals per
# agency are checked equal to jointly's to the penny, and the ratio of the medians
# (json-rules-engine / this build, one version) is printed. Numbers, not pass/fail.
set -euo pipefail
build=${1:?build dir}; runs=${2:-5}; big=${3:-1500000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jointly=$build/app/jointly
policy=$root/policies/reference
draft=$root/examples/drafts/reference-8-weeks.jf

python3 "$root/examples/generate_caseload.py" --seed 7 --count 100000 >"$work/100k.jsonl"

# wall BINARY ARGS...: prints "SECONDS PEAK_KIB" of one run (output discarded)
wall() {
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
  cat "$work/time"
}

# stats NAME FILE: min / median / max of the first column
stats() {
  sort -n "$2" | awk -v name="$1" '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%-36s min %.2f s  median %.2f s  max %.2f s  (%d runs)\n", name, v[1], m, v[NR], NR }'
}

binaries=("$jointly")
[ -n "${BASELINE:-}" ] && binaries+=("$BASELINE")
for _ in $(seq 1 "$runs"); do
  for i in "${!binaries[@]}"; do
    wall "${binaries[$i]}" simulate --policy "$policy" "$work/100k.jsonl" | cut -d' ' -f1 >>"$work/one.$i"
    wall "${binaries[$i]}" simulate --policy "$policy" --vs "$draft" "$work/100k.jsonl" | cut -d' ' -f1 >>"$work/two.$i"
  done
done
for i in "${!binaries[@]}"; do
  label=$([ "$i" = 0 ] && echo "this build" || echo "baseline")
  stats "100,000 cases, one version ($label)" "$work/one.$i"
  stats "100,000 cases, two versions ($label)" "$work/two.$i"
done
node_runs=${NODE_RUNS:-0}
if [ "$node_runs" -gt 0 ]; then
  node=$root/bench/http/node-baseline
  [ -d "$node/node_modules" ] || (cd "$node" && npm ci --no-audit --no-fund >/dev/null)
  for _ in $(seq 1 "$node_runs"); do
    /usr/bin/time -f '%e' -o "$work/time" node "$node/simulate.js" "$work/100k.jsonl" >"$work/node.json"
    cat "$work/time" >>"$work/node"
  done
  stats "100,000 cases, json-rules-engine" "$work/node"
  "$jointly" simulate --policy "$policy" --format json "$work/100k.jsonl" >"$work/jointly.json"
  python3 - "$work/jointly.json" "$work/node.json" <<'PY'
import json, sys
j, n = (json.load(open(f)) for f in sys.argv[1:3])
a = j["a"]
same = a["outcomes"] == n["outcomes"] and a["by_agency"] == n["funded"] and j["cases"] == n["cases"]
print("json-rules-engine's outcomes and funded totals per agency equal jointly's:", "yes" if same else "NO")
if not same:
    print("  jointly:", a["outcomes"], a["by_agency"], "\n  json-rules-engine:", n["outcomes"], n["funded"])
PY
  a=$(sort -n "$work/one.0" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  b=$(sort -n "$work/node" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  awk -v a="$a" -v b="$b" 'BEGIN { printf "median ratio, one version: json-rules-engine / this build = %.1f\n", b / a }'
fi
if [ -n "${BASELINE:-}" ]; then
  for kind in one two; do
    a=$(sort -n "$work/$kind.0" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    b=$(sort -n "$work/$kind.1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    awk -v k="$kind" -v a="$a" -v b="$b" 'BEGIN { printf "median ratio, %s version(s): this build / baseline = %.2f\n", k, a / b }'
  done
fi

if [ "$big" -gt 0 ]; then
  python3 "$root/examples/generate_caseload.py" --seed 7 --count "$big" >"$work/big.jsonl"
  size=$(du -m "$work/big.jsonl" | cut -f1)
  read -r s kib < <(wall "$jointly" simulate --policy "$policy" "$work/big.jsonl")
  echo "$big cases ($size MB), one version: $s s, peak RSS $((kib / 1024)) MiB"
  read -r s kib < <(wall "$jointly" simulate --policy "$policy" --vs "$draft" "$work/big.jsonl")
  echo "$big cases ($size MB), two versions: $s s, peak RSS $((kib / 1024)) MiB"
fi
