#!/usr/bin/env bash
# Quick start 2: install what is missing, build, and run every test: the unit, golden,
# acceptance and HTTP suites (warnings are errors), the policy library's own checks and
# worked cases, the hostile-request corpus and load test against a real server (directly and
# through nginx), the same suite built by clang under ASan + UBSan, and a short run of each
# libFuzzer target from that build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --browser
jobs=$(nproc)

echo "== ci preset: build and test"
cmake --preset ci >/dev/null
cmake --build --preset ci -j"$jobs"
ctest --preset ci -j"$jobs" -LE browser

echo "== policy library: check, worked cases, and their coverage (at least 90% of rules, exceptions,"
echo "   window edges and outcome rules: docs/adr/0014-coverage.md)"
build/ci/app/jointly check policies
build/ci/app/jointly test --coverage --threshold 90 policies

echo "== hostile requests against jointly serve, directly and through nginx (tests/hostile)"
tests/hostile/run.sh build/ci

echo "== ctest -L browser: the panel chair's page in headless chromium (tests/browser); the OpenAPI"
echo "   document: every operation against jointly serve, redocly lint, TypeScript client (tests/openapi)"
CI="${CI:-1}" ctest --preset ci -j"$jobs" -L browser

echo "== asan preset (clang, ASan + UBSan): build, test, and run each libFuzzer target"
echo "   ${JOINTLY_FUZZ_SECONDS:-30}s on its seed corpus (one build serves both: docs/adr/0020-ci-build-time.md)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j"$jobs" -LE browser
if [ "${JOINTLY_SKIP_FUZZ:-0}" != "1" ]; then
  fuzz/run.sh build/asan "${JOINTLY_FUZZ_SECONDS:-30}"
fi
echo "== all tests passed"
