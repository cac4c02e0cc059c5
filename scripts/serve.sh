#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and serve the decision API on
# http://127.0.0.1:8080 with the example policies and an embedded SQLite store.
# The first run writes ./jointly-tokens (mode 0600): one random token per role (client, panel,
# author, auditor, admin); every later run reuses it. Evaluation, stored decisions and panel
# records need one of them (docs/operations.md "Tokens").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target jointly
tokens=jointly-tokens
if [ ! -f "$tokens" ]; then
  random_token() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
  (
    umask 077
    {
      echo "# jointly tokens: TOKEN ROLE NAME (made by scripts/serve.sh; keep this file private)"
      echo "$(random_token) client local-client"
      echo "$(random_token) panel local-panel"
      echo "$(random_token) author local-author"
      echo "$(random_token) auditor local-auditor"
      echo "$(random_token) admin local-admin"
    } >"$tokens.tmp"
    mv "$tokens.tmp" "$tokens"
  )
fi
echo "tokens: $(pwd)/$tokens (one per role: $(awk '!/^#/ { printf "%s%s", sep, $2; sep=", " }' "$tokens"))"
echo "panel token: $(awk '$2 == "panel" { print $1 }' "$tokens")"
exec build/release/app/jointly serve --policies policies --db jointly.db --tokens "$tokens" "$@"
