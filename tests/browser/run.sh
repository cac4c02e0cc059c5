#!/usr/bin/env bash
# The panel chair's page in a real headless browser (Debian chromium + playwright-core).
# Usage: tests/browser/run.sh BUILD_DIR [SCREENSHOT.png]
# Starts BUILD_DIR/app/jointly serve --port 0 on a temporary database with policies/, drives
# server/web/index.html through a whole panel case at 1280 and 390 px (axe-core in every state),
# and exits non-zero on any failure. Screenshots: SCREENSHOT.png (1280 px) and SCREENSHOT-390.png,
# by default BUILD_DIR/browser/panel.png and BUILD_DIR/browser/panel-390.png.
# Exits 77 (ctest's skip, label `browser`) when chromium or node is missing, unless CI is set.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$(cd "${1:?usage: tests/browser/run.sh BUILD_DIR [SCREENSHOT.png]}" && pwd)"
bin="$build/app/jointly"
[ -x "$bin" ] || { echo "run.sh: no jointly executable at $bin" >&2; exit 2; }
missing=77
[ -n "${CI:-}" ] && missing=2
[ -x /usr/bin/chromium ] || { echo "run.sh: needs /usr/bin/chromium (apt-get install -y chromium)" >&2; exit "$missing"; }
command -v node >/dev/null || { echo "run.sh: needs node (apt-get install -y nodejs npm)" >&2; exit "$missing"; }
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
args=(--jointly "$bin" --repo "$repo")
# The screenshots are kept as the test's artifacts: BUILD_DIR/browser/panel.png and panel-390.png
# unless a path is given.
args+=(--screenshot "${2:-$build/browser/panel.png}")
# Issue 14's defects, one independent check each (defects.test.mjs --page FILE --expect-fail
# shows each one failing on an older page), then the chair's whole flow at 1280 and 390 px.
node "$here/defects.test.mjs" --jointly "$bin" --repo "$repo"
exec node "$here/panel.test.mjs" "${args[@]}"
