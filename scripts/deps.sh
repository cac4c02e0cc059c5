#!/usr/bin/env bash
# Installs the Debian packages jointly needs, only if any is missing (apt-get update once).
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config ccache clang libclang-rt-dev
          libboost-dev nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libsqlite3-dev
          libssl-dev libsimdjson-dev zlib1g-dev libbrotli-dev googletest libgtest-dev
          libbenchmark-dev prometheus libpq-dev postgresql
          nginx-light)  # nginx: tests/server/nginx_replicas_test.cpp runs it in front of two replicas
# --hostile: what the hostile-request tests need besides nginx (tests/hostile/run.sh): python3, openssl.
if [ "${1:-}" = "--browser" ] || [ "${1:-}" = "--hostile" ] || [ "${2:-}" = "--hostile" ]; then
  packages+=(python3 openssl)
fi
# --browser: also what the panel page's headless-browser test needs.
if [ "${1:-}" = "--browser" ]; then
  packages+=(chromium)
  command -v node >/dev/null || packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
