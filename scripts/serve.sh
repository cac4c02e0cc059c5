#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and serve the decision API on
# http://127.0.0.1:8080 with the example policies and an embedded SQLite store.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target jointly
exec build/release/app/jointly serve --policies policies --db jointly.db "$@"
