#!/usr/bin/env bash
# The decision API with curl, against `jointly serve` (default http://127.0.0.1:8080).
# usage: examples/curl/decisions.sh [BASE_URL]   (CLIENT_TOKEN to evaluate, store and read;
# PANEL_TOKEN for the panel record; with --open-evaluation, evaluating needs no token)
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
here=$(cd "$(dirname "$0")/.." && pwd)
json=(-H 'content-type: application/json')

echo "== evaluate (not stored)"
curl -sS "${json[@]}" ${CLIENT_TOKEN:+-H "authorization: Bearer $CLIENT_TOKEN"} "$base/v1/evaluate" \
  -d @"$here/requests/post-op.json"; echo

echo "== a malformed request: every problem, each with a JSON pointer"
curl -sS "${json[@]}" ${CLIENT_TOKEN:+-H "authorization: Bearer $CLIENT_TOKEN"} "$base/v1/evaluate" \
  -d @"$here/requests/invalid.json"; echo

echo "== store a decision (a client, panel or admin token)"
stored=$(curl -sS "${json[@]}" ${CLIENT_TOKEN:+-H "authorization: Bearer $CLIENT_TOKEN"} "$base/v1/decisions" \
  -d @"$here/requests/uncovered.json")
echo "$stored"
id=$(printf '%s' "$stored" | sed -n 's/^{"decision_id":"\([^"]*\)".*/\1/p')

echo "== read it back (needs a token when the server has --tokens)"
curl -sS ${CLIENT_TOKEN:+-H "authorization: Bearer $CLIENT_TOKEN"} "$base/v1/decisions/$id"; echo

echo "== the panel's decision (role panel)"
curl -sS "${json[@]}" ${PANEL_TOKEN:+-H "authorization: Bearer $PANEL_TOKEN"} "$base/v1/decisions/$id/panel" \
  -d '{"outcome":"approved","date":"2025-06-20","members":["Chair","ICB lead","SEND lead"],"notes":"transport agreed by social care"}'
echo
