#!/usr/bin/env bash
# The OpenAPI document against the real server (Node: Ajv, Redocly CLI, openapi-typescript,
# TypeScript; versions pinned in package-lock.json).
# Usage: tests/openapi/run.sh BUILD_DIR        (UPDATE_GOLDEN=1 rewrites the committed client types)
#  1. contract.test.mjs starts BUILD_DIR/app/jointly serve --port 0 on a temporary database and
#     a copy of policies/, calls every operation of GET /v1/openapi.json and validates every
#     answer against it (status, media type, body, required headers);
#  2. redocly lint of the served document (redocly.yaml);
#  3. openapi-typescript regenerates the client types, which must equal the committed
#     clients/typescript/jointly.d.ts;
#  4. tsc --noEmit type-checks client.ts, which reads every operation's answers with them.
# Exits 77 (ctest's skip, label `browser`) when node is missing, unless CI is set.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$(cd "${1:?usage: tests/openapi/run.sh BUILD_DIR}" && pwd)"
bin="$build/app/jointly"
committed="$repo/clients/typescript/jointly.d.ts"
[ -x "$bin" ] || { echo "run.sh: no jointly executable at $bin" >&2; exit 2; }
missing=77
[ -n "${CI:-}" ] && missing=2
command -v node >/dev/null || { echo "run.sh: needs node (apt-get install -y nodejs npm)" >&2; exit "$missing"; }
if [ ! -x "$here/node_modules/.bin/redocly" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
out="$(mktemp -d "${TMPDIR:-/tmp}/jointly-openapi-out.XXXXXX")"
trap 'rm -rf "$out"' EXIT
bins="$here/node_modules/.bin"

failed=0

echo "-- contract: every operation against jointly serve"
node "$here/contract.test.mjs" --jointly "$bin" --repo "$repo" --out "$out" || failed=1
[ -s "$out/openapi.json" ] || { echo "not ok - no document was served" >&2; exit 1; }

echo "-- redocly lint"
lint_status=0
lint="$(cd "$here" && "$bins/redocly" lint "$out/openapi.json" --config "$here/redocly.yaml" --format=stylish 2>&1)" ||
  lint_status=$?
grep -v -e '[║╔╚]' -e '^ *$' <<<"$lint" || true
[ "$lint_status" = 0 ] || { echo "not ok - redocly lint" >&2; failed=1; }

echo "-- openapi-typescript: the committed client types are up to date"
"$bins/openapi-typescript" "$out/openapi.json" --output "$out/jointly.d.ts" >/dev/null
if ! cmp -s "$out/jointly.d.ts" "$committed"; then
  if [ "${UPDATE_GOLDEN:-0}" = "1" ]; then
    mkdir -p "$(dirname "$committed")"
    cp "$out/jointly.d.ts" "$committed"
    echo "updated $committed"
  else
    diff -u "$committed" "$out/jointly.d.ts" | head -40 || true
    echo "not ok - clients/typescript/jointly.d.ts is not what the server's document generates:" \
         "run UPDATE_GOLDEN=1 tests/openapi/run.sh $1 and commit it" >&2
    failed=1
  fi
fi

echo "-- tsc --noEmit: client.ts reads every operation's answers"
"$bins/tsc" --noEmit -p "$here/tsconfig.json" || { echo "not ok - tsc" >&2; failed=1; }
[ "$failed" = 0 ] || exit 1
echo "ok - openapi"
