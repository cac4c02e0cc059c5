#!/usr/bin/env bash
# bench/profile_simulate.sh BUILD_DIR [CASES] [-- SIMULATE ARGS]: where `jointly simulate`
# spends its CPU time on the reference policy's seeded caseload (default 100,000 cases, one
# version; pass e.g. `-- --vs examples/drafts/reference-8-weeks.jf` for two). Samples every
# thread with perf and DWARF call stacks, and prints the share of all samples spent inside
# each stage (a stage's callees included): cutting the input into chunks, JSON syntax
# (nlohmann's tree; simdjson's structural index), freeing the tree, decoding into a Request
# (with simdjson, On-Demand's parsing is here), evaluating, counting (on the workers, and
# adding the chunks' counts). The
# stages do not nest, so what they leave is the threads' own glue and the allocator outside
# them. Numbers, not pass/fail. Needs perf; a build with symbols (any preset).
set -euo pipefail
build=${1:?build dir}; cases=${2:-100000}
shift $(( $# >= 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$root/examples/generate_caseload.py" --seed 7 --count "$cases" >"$work/caseload.jsonl"
cd "$root"
perf record -q --call-graph dwarf,16384 -F 499 -o "$work/perf.data" -- \
  "$build/app/jointly" simulate --policy policies/reference "$@" "$work/caseload.jsonl" >/dev/null
perf report -i "$work/perf.data" --stdio --children --sort sym -g none --percent-limit 0 2>/dev/null |
  awk '/^ +[0-9.]+%/ {
    pct = $1; sub(/%/, "", pct); $1 = ""; $2 = ""; $3 = ""; sym = $0
    sub(/ +$/, "", sym)
    if (sym ~ /(ChunkReader|MappedReader)::next$/) s = "cut the input into chunks (one worker at a time)"
    else if (sym ~ /jointly::server::parse_json$|CaseDecoder::start$/) s = "JSON syntax"
    else if (sym ~ /^ *nlohmann::.*basic_json<std::map.*json_value::destroy$/) s = "free the JSON tree"
    else if (sym ~ /jointly::server::decode_request$|CaseDecoder::decode$|CaseDecoder::header$/) s = "decode into a Request"
    else if (sym ~ /jointly::engine::evaluate_into$/) s = "evaluate"
    else if (sym ~ /jointly::server::Simulation::(count|absorb|record)$/) s = "count"
    else next
    share[s] += pct
  } END { for (s in share) printf "%6.1f%%  %s\n", share[s], s }' | sort -rn
