#!/usr/bin/env bash
# tests/hostile/run.sh BUILD_DIR [--quick]: the hostile-request tests of issue 9 against a real
# `jointly serve` (with a tokens file) and, when nginx is installed, through Debian's nginx in
# front of it with the shipped site configuration deploy/nginx/jointly.conf.
#
#   1. tests/hostile/hostile.py: the corpus (tests/hostile/cases.py), pipelining, slowloris,
#      header flood, chunked bodies through nginx, a second instance on the same port;
#   2. tests/hostile/load.py: 64 keep-alive connections for 60 s (10 s with --quick),
#      POST /v1/evaluate and POST /v1/decisions mixed; p99 and RSS before and after.
#
# For working on one part: HOSTILE_ONLY=corpus,slowloris (hostile.py --only) and
# HOSTILE_LOAD=0 (no load test).
# Everything listens on 127.0.0.1 only, in a temporary directory removed on exit.
# Exit status: non-zero on any failure.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1  # nothing written into the source tree
build=${1:?usage: tests/hostile/run.sh BUILD_DIR [--quick]}
quick=${2:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" && pwd)
cd "$root"
jointly=$build/app/jointly
[ -x "$jointly" ] || { echo "run.sh: $jointly not found (build the jointly target)" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do  # bounded: up to 10 s each, then SIGKILL
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

wait_port() {  # wait_port LOGFILE PID -> prints the port once "listening on HOST:PORT" appears
  local port
  for _ in $(seq 1 200); do
    port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$1" 2>/dev/null | head -1 | sed 's/.*://') || true
    [ -n "${port:-}" ] && { echo "$port"; return 0; }
    kill -0 "$2" 2>/dev/null || break
    sleep 0.05
  done
  echo "run.sh: the server did not start:" >&2; cat "$1" "$1.err" >&2 2>/dev/null || true; return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_tcp() {  # wait_tcp PORT PID: until something accepts on 127.0.0.1:PORT (at most 10 s)
  python3 - "$1" "$2" <<'EOF'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close(); sys.exit(0)
    except OSError:
        if not os.path.exists(f"/proc/{pid}"): break
        time.sleep(0.05)
sys.exit(1)
EOF
}

# Tokens: one per role, 32 hex characters.
gen_token() { python3 -c 'import secrets; print(secrets.token_hex(16))'; }
{
  echo "# hostile test tokens"
  echo "$(gen_token) author"
  echo "$(gen_token) panel"
  echo "$(gen_token) client"
} >"$tmp/tokens"
chmod 600 "$tmp/tokens"

# The server under test: default flags apart from the port, the store and the tokens.
"$jointly" serve --policies policies --db "$tmp/db" --port 0 --tokens "$tmp/tokens" --open-evaluation \
  >"$tmp/jointly.log" 2>"$tmp/jointly.log.err" &
jpid=$!
pids+=("$jpid")
port=$(wait_port "$tmp/jointly.log" "$jpid")
echo "jointly: pid $jpid on 127.0.0.1:$port"

# nginx in front, if installed.
nginx_bin=$(command -v nginx || true)
[ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
nginx_args=()
site=deploy/nginx/jointly.conf
if [ -n "$nginx_bin" ] && [ ! -f "$site" ]; then
  echo "run.sh: nginx is installed but $site is missing" >&2; exit 1
fi
if [ -n "$nginx_bin" ]; then
  nport=$(free_port)
  mkdir -p "$tmp/nginx"
  # The upstream's `server HOST:PORT;` lines -> jointly; the first `listen` -> our port, any
  # further `listen` lines dropped (one address is enough here).
  awk -v up="127.0.0.1:$port" -v ln="127.0.0.1:$nport" '
    /^[[:space:]]*upstream[[:space:]]/ { in_up = 1 }
    in_up && /^[[:space:]]*server[[:space:]]+[^;{]+;/ { sub(/server[[:space:]]+[^;[:space:]]+/, "server " up) }
    in_up && /}/ { in_up = 0 }
    /^[[:space:]]*listen[[:space:]]/ { if (seen++) next; sub(/listen[[:space:]]+[^;]+;/, "listen " ln ";") }
    { print }' "$site" >"$tmp/nginx/jointly.conf"
  user_line=""
  [ "$(id -u)" = 0 ] && user_line="user $(id -un) $(id -gn);"
  cat >"$tmp/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 1024; }
http {
    access_log $tmp/access.log;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include $tmp/nginx/jointly.conf;
}
EOF
  "$nginx_bin" -t -q -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/error.log" \
    || { echo "run.sh: nginx rejects the configuration built from $site" >&2; cat "$tmp/error.log" >&2; exit 1; }
  "$nginx_bin" -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/error.log" &
  ngpid=$!
  pids+=("$ngpid")
  wait_tcp "$nport" "$ngpid" || { echo "run.sh: nginx did not start" >&2; cat "$tmp/error.log" >&2; exit 1; }
  echo "nginx: $("$nginx_bin" -v 2>&1 | sed 's/.*: //') pid $ngpid on 127.0.0.1:$nport, site $site"
  nginx_args=(--nginx-port "$nport")

  # The TLS site file: a throwaway self-signed certificate, our ports, `nginx -t`, then one
  # request over TLS 1.2+ to jointly through it.
  tls_site=deploy/nginx/jointly-tls.conf
  [ -f "$tls_site" ] || { echo "run.sh: $tls_site is missing" >&2; exit 1; }
  tport=$(free_port)
  hport=$(free_port)
  mkdir -p "$tmp/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$tmp/tls/key.pem" -out "$tmp/tls/cert.pem" 2>/dev/null
  awk -v up="127.0.0.1:$port" -v tls="127.0.0.1:$tport ssl" -v plain="127.0.0.1:$hport" \
      -v cert="$tmp/tls/cert.pem" -v key="$tmp/tls/key.pem" '
    /^[[:space:]]*upstream[[:space:]]/ { in_up = 1 }
    in_up && /^[[:space:]]*server[[:space:]]+[^;{]+;/ { sub(/server[[:space:]]+[^;[:space:]]+/, "server " up) }
    in_up && /}/ { in_up = 0 }
    /^[[:space:]]*listen[[:space:]]+443/ { sub(/listen[[:space:]]+[^;]+;/, "listen " tls ";") }
    /^[[:space:]]*listen[[:space:]]+80;/ { sub(/listen[[:space:]]+[^;]+;/, "listen " plain ";") }
    /^[[:space:]]*ssl_certificate[[:space:]]/ { sub(/ssl_certificate[[:space:]]+[^;]+;/, "ssl_certificate " cert ";") }
    /^[[:space:]]*ssl_certificate_key[[:space:]]/ { sub(/ssl_certificate_key[[:space:]]+[^;]+;/, "ssl_certificate_key " key ";") }
    { print }' "$tls_site" >"$tmp/nginx/jointly-tls.conf"
  sed -e "s|include $tmp/nginx/jointly.conf;|include $tmp/nginx/jointly-tls.conf;|" -e "s|$tmp/nginx.pid|$tmp/nginx-tls.pid|" \
    -e "s|$tmp/error.log|$tmp/error-tls.log|" "$tmp/nginx.conf" >"$tmp/nginx-tls.conf"
  "$nginx_bin" -t -q -p "$tmp/" -c "$tmp/nginx-tls.conf" -e "$tmp/error-tls.log" \
    || { echo "run.sh: nginx rejects the configuration built from $tls_site" >&2; cat "$tmp/error-tls.log" >&2; exit 1; }
  "$nginx_bin" -p "$tmp/" -c "$tmp/nginx-tls.conf" -e "$tmp/error-tls.log" &
  tlspid=$!
  pids+=("$tlspid")
  wait_tcp "$tport" "$tlspid" || { echo "run.sh: nginx (TLS) did not start" >&2; cat "$tmp/error-tls.log" >&2; exit 1; }
  python3 - "$tport" "$hport" <<'PY' || { echo "run.sh: the TLS site does not serve jointly" >&2; exit 1; }
import http.client, ssl, sys
tls_port, plain_port = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
c = http.client.HTTPSConnection("127.0.0.1", tls_port, context=ctx, timeout=10)
c.request("GET", "/healthz")
r = c.getresponse()
body = r.read()
assert r.status == 200, (r.status, body)
assert r.getheader("Strict-Transport-Security"), "no HSTS header"
assert c.sock.version() in ("TLSv1.2", "TLSv1.3"), c.sock.version()
# TLS 1.2 clients are served too (older ones cannot be tested here: this OpenSSL refuses them
# itself, so the site's `ssl_protocols` line is what keeps them out).
v12 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
v12.check_hostname = False
v12.verify_mode = ssl.CERT_NONE
v12.maximum_version = ssl.TLSVersion.TLSv1_2
o = http.client.HTTPSConnection("127.0.0.1", tls_port, context=v12, timeout=10)
o.request("GET", "/healthz")
assert o.getresponse().status == 200 and o.sock.version() == "TLSv1.2", o.sock.version()
p = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=10)
p.request("GET", "/v1/decisions")
r = p.getresponse()
assert r.status == 301 and r.getheader("Location", "").startswith("https://"), (r.status, r.getheader("Location"))
print("nginx TLS site: /healthz over", c.sock.version(), "and TLSv1.2, with HSTS; plain HTTP redirected")
PY
  kill "$tlspid" 2>/dev/null || true
else
  echo "nginx: not installed; the tests through nginx are skipped"
fi

status=0
python3 tests/hostile/hostile.py --port "$port" --pid "$jpid" --tokens "$tmp/tokens" "${nginx_args[@]}" \
  --jointly "$jointly" --policies policies --tmp "$tmp" ${quick:+--quick} ${HOSTILE_ONLY:+--only "$HOSTILE_ONLY"} \
  || status=1

seconds=60
[ "$quick" = --quick ] && seconds=10
if [ "${HOSTILE_LOAD:-1}" != 0 ]; then
  python3 tests/hostile/load.py "$port" "$seconds" 64 --pid "$jpid" --tokens "$tmp/tokens" || status=1
fi

kill -0 "$jpid" 2>/dev/null || { echo "run.sh: jointly is no longer running" >&2; status=1; }
if [ "$status" != 0 ]; then
  echo "run.sh: FAILED (jointly's log: last lines of stderr follow)"
  tail -n 5 "$tmp/jointly.log.err" || true
fi
exit "$status"
