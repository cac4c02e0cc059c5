#!/usr/bin/env bash
# bench/simulate.sh BUILD_DIR [RUNS] [BIG_CASES]: times `jointly simulate` on the reference
# policy's seeded caseload (examples/generate_caseload.py --seed 7):
#   1. 100,000 cases, one version (policies/reference) and two (--vs reference-8-weeks.jf),
#      RUNS times each (default 5), alternating; prints min / median / max wall seconds;
#   2. BIG_CASES cases (default 1,500,000; 0 skips it), one and two versions, once each:
#      wall seconds and peak resident memory (GNU time).
# With BASELINE=path/to/another/jointly, each 100,000-case run is repeated with that binary
# right after, and the ratio of the medians (this build / baseline) is printed: figures to
# compare are taken side by side, in one run. Numbers, not pass/fail.
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
