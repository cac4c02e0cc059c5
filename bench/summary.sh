#!/usr/bin/env bash
# bench/summary.sh BUILD_DIR [COUNT] [RUNS]: times GET /v1/reports/summary over COUNT stored
# decisions (default 1,000,000) on SQLite and on PostgreSQL, side by side in one run.
#   1. examples/generate_caseload.py --seed 7 gives 20,000 cases of the reference policy;
#      bench/summary_fill evaluates each once and stores COUNT decisions in an SQLite file
#      through the Store interface (with panel records, overrides, erasures and
#      rectifications; see its header);
#   2. `jointly store copy` copies that file into a throwaway PostgreSQL cluster
#      (tests/pg/cluster.sh; fsync on, as a server would run);
#   3. `jointly serve` on each store in turn; the summary is fetched RUNS times (default 5)
#      and once with each filter; prints min / median / max seconds, and checks that the two
#      backends answer the same bytes.
# Also times migrating: the SQLite file is set back to schema version 2 (its contributions
# dropped) and opened, which backfills them. Numbers, not pass/fail.
set -euo pipefail
build=${1:?build dir}; count=${2:-1000000}; runs=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
jointly=$build/app/jointly
fill=$build/bench/summary_fill
work=$(mktemp -d)
chmod 755 "$work"
state=$work/pg
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  "$root/tests/pg/cluster.sh" stop "$state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

secs() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.1f", b - a }'; }

python3 "$root/examples/generate_caseload.py" --seed 7 --count 20000 >"$work/cases.jsonl"
t=$(secs)
"$fill" "$root/policies/reference" "$work/cases.jsonl" "$work/store.db" "$count" 32
echo "filled SQLite in $(elapsed "$t") s ($(du -m "$work/store.db" | cut -f1) MB)"

JOINTLY_PG_FSYNC=on "$root/tests/pg/cluster.sh" start "$state" >/dev/null
url=$(cat "$state/url")
t=$(secs)
"$jointly" store copy --from "$work/store.db" --to "$url" >/dev/null
echo "copied into PostgreSQL in $(elapsed "$t") s"

port=$((20000 + RANDOM % 20000))
echo "bench0123456789abcdef0123456789ab client bench" >"$work/tokens"
chmod 600 "$work/tokens"

# serve STORE: starts `jointly serve` on STORE and waits until it answers.
serve() {
  "$jointly" serve --policies "$root/policies/reference" --db "$1" --port "$port" \
    --tokens "$work/tokens" --quiet >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 12000); do  # up to 20 minutes: opening an older store migrates it first
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$work/serve.log" >&2
  return 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }

# time_summary NAME QUERY: RUNS timings of the summary; the last body kept in $work/NAME.json
time_summary() {
  : >"$work/$1.times"
  for _ in $(seq 1 "$runs"); do
    curl -fs -o "$work/$1.json" -w '%{time_total}\n' -H 'Authorization: Bearer bench0123456789abcdef0123456789ab' \
      "http://127.0.0.1:$port/v1/reports/summary$2" >>"$work/$1.times"
  done
  sort -n "$work/$1.times" | awk -v name="$1" '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%-34s min %.2f s  median %.2f s  max %.2f s  (%d runs)\n", name, v[1], m, v[NR], NR }'
}

today=$(date -u +%F)
for backend in sqlite postgresql; do
  if [ "$backend" = sqlite ]; then serve "$work/store.db"; else serve "$url"; fi
  time_summary "$backend" ""
  time_summary "$backend-from-to" "?from=$today&to=$today"
  time_summary "$backend-policy" "?policy=reference"
  time_summary "$backend-csv" "?format=csv"
  stop
done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
a, b = (json.load(open(f"{work}/{n}.json")) for n in ("sqlite", "postgresql"))
print("decisions", a["decisions"], "unreadable", a["unreadable"], "funded", a["funded"]["total"])
print("the two backends answer the same figures" if a == b else "THE BACKENDS DIFFER")
PY

# Migrating: the file as schema version 2 left it, opened by this jointly.
sqlite3 "$work/store.db" "DROP TABLE decision_summaries; PRAGMA user_version = 2;" 2>/dev/null ||
  python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript('DROP TABLE decision_summaries; PRAGMA user_version = 2;')" "$work/store.db"
t=$(secs)
serve "$work/store.db"
echo "SQLite: opening a version-2 store of $count decisions (migration and backfill) took $(elapsed "$t") s"
stop
