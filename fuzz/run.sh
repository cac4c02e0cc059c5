#!/usr/bin/env bash
# fuzz/run.sh BUILD_DIR SECONDS: runs each fuzzer (parse + check; the request decoder; decode +
# evaluate on the reference policy; the language server) for SECONDS on a fresh copy of its seed
# corpus (the golden policies, the policy library; the example requests, the worked cases and
# fuzz/corpus/requests, whose bodies repeat keys, with fuzz/request.dict). Fails on any crash,
# hang (>10 s for one input) or leak.
set -euo pipefail
build=${1:?build dir}; seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/policies" "$work/requests"
find "$root/tests/golden" "$root/policies" -name '*.jf' -exec cp {} "$work/policies/" \; 2>/dev/null || true
find "$root/examples" "$root/policies" "$root/fuzz/corpus/requests" -name '*.json' -exec cp {} "$work/requests/" \; 2>/dev/null || true
cp -r "$work/requests" "$work/evaluate"
cp -r "$work/policies" "$work/lsp"
"$build/fuzz/parse_check_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 "$work/policies"
"$build/fuzz/request_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -dict="$root/fuzz/request.dict" "$work/requests"
"$build/fuzz/evaluate_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -dict="$root/fuzz/request.dict" "$work/evaluate"
"$build/fuzz/lsp_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 "$work/lsp"
