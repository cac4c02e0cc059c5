#!/usr/bin/env bash
# Policies with curl: list, detail (with the request schema), check a draft, upload, simulate.
# usage: examples/curl/policies.sh [BASE_URL]   (AUTHOR_TOKEN for the upload)
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
here=$(cd "$(dirname "$0")/.." && pwd)

echo "== policies in service"
curl -sS "$base/v1/policies"; echo

echo "== check a draft without storing it"
curl -sS -H 'content-type: text/plain' "$base/v1/policies/check" --data-binary @"$here/drafts/reference-8-weeks.jf"; echo

echo "== what the draft would change over a caseload"
cases=$(head -20 "$here/caseloads/reference-200.jsonl" | paste -sd, -)
draft=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$here/drafts/reference-8-weeks.jf")
curl -sS -H 'content-type: application/json' "$base/v1/simulate" \
  -d "{\"policy\":\"reference\",\"vs_source\":$draft,\"cases\":[$cases]}"; echo

echo "== upload a policy (role author; 409 if that id and version are loaded, 422 if it does not compile)"
curl -sS -H 'content-type: text/plain' ${AUTHOR_TOKEN:+-H "authorization: Bearer $AUTHOR_TOKEN"} \
  "$base/v1/policies" --data-binary @"$here/drafts/reference-8-weeks.jf"; echo
