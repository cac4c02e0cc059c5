#!/usr/bin/env bash
# bench/http/run.sh BUILD_DIR [SECONDS]: loopback load with wrk, 16 keep-alive connections,
# one wrk thread (the load generator shares the 2 cores), default server threads, against:
#   1. jointly  POST /v1/evaluate   (not stored)
#   2. jointly  POST /v1/decisions  (stored in SQLite, durable)
#   3. jointly  POST /v1/decisions  (stored in PostgreSQL, a throwaway cluster with fsync on;
#               only when PostgreSQL is installed: tests/pg/cluster.sh), on one replica
#               directly, then through nginx with deploy/nginx/jointly-replicas.conf in front
#               of one replica and of two replicas on the same database (when nginx is
#               installed; one nginx worker, run from the work folder, stopped at the end)
#   4. the Node.js http + json-rules-engine baseline (bench/http/node-baseline) on the same body
# Prints one RESULT line per run. Numbers, not pass/fail. Needs wrk, python3 and node (npm
# install once).
set -euo pipefail
build=${1:?build dir}; seconds=${2:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source "$root/bench/http/common.sh"

# run_nginx "PORT [PORT]": nginx with deploy/nginx/jointly-replicas.conf, its upstream's
# `server` lines pointed at these replicas (the lines beyond them dropped), its `listen` line at
# a free port ($ngport); one worker; pid, logs and temporary files in the work folder.
run_nginx() {
  ngport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$work/nginx"
  awk -v ports="$1" -v listen="127.0.0.1:$ngport" '
    BEGIN { n = split(ports, port, " ") }
    /^[[:space:]]*upstream[[:space:]]/ { in_up = 1 }
    in_up && /^[[:space:]]*server[[:space:]]+[^;{]+;/ {
      if (++seen > n) next
      sub(/server[[:space:]]+[^;[:space:]]+/, "server 127.0.0.1:" port[seen])
    }
    in_up && /}/ { in_up = 0 }
    /^[[:space:]]*listen[[:space:]]/ { sub(/listen[[:space:]]+[^;]+;/, "listen " listen ";") }
    { print }' deploy/nginx/jointly-replicas.conf >"$work/nginx/site.conf"
  user_line=""
  [ "$(id -u)" = 0 ] && user_line="user $(id -un) $(id -gn);"
  cat >"$work/nginx/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    include $work/nginx/site.conf;
}
EOF
  "$nginx_bin" -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
  nginx_pid=$!
  pids+=("$nginx_pid")
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$ngport") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nginx did not start: $(cat "$work/nginx/error.log")" >&2; return 1
}
stop_nginx() { kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; }

echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
"$build/app/jointly" serve --policies policies --db "$work/bench.db" --port 0 --insecure-dev --open-evaluation --quiet \
  >"$work/jointly.log" 2>&1 &
pids+=($!)
port=$(wait_port "$work/jointly.log")
for path in /v1/evaluate /v1/decisions; do
  WRK_PATH=$path wrk -t1 -c16 -d2s -s bench/http/post.lua "http://127.0.0.1:$port" >/dev/null  # warm-up
  echo "jointly $path:"
  WRK_PATH=$path wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$port" | grep -E 'RESULT|Requests/sec'
done

JOINTLY_PG_FSYNC=on tests/pg/cluster.sh start "$work/pg" >/dev/null
if [ -s "$work/pg/url" ]; then
  "$build/app/jointly" serve --policies policies --db "$(cat "$work/pg/url")" --port 0 --insecure-dev \
    --open-evaluation --quiet >"$work/jointly-pg.log" 2>&1 &
  pg_server=$!
  pgport=$(wait_port "$work/jointly-pg.log")
  WRK_PATH=/v1/decisions wrk -t1 -c16 -d2s -s bench/http/post.lua "http://127.0.0.1:$pgport" >/dev/null
  echo "jointly /v1/decisions (PostgreSQL):"
  WRK_PATH=/v1/decisions wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$pgport" \
    | grep -E 'RESULT|Requests/sec'
  nginx_bin=$(command -v nginx || true)
  [ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
  if [ -n "$nginx_bin" ]; then
    "$build/app/jointly" serve --policies policies --db "$(cat "$work/pg/url")" --port 0 --insecure-dev \
      --open-evaluation --quiet >"$work/jointly-pg2.log" 2>&1 &
    pg_server2=$!
    pids+=("$pg_server2")
    pgport2=$(wait_port "$work/jointly-pg2.log")
    for replicas in "$pgport" "$pgport $pgport2"; do
      run_nginx "$replicas"
      WRK_PATH=/v1/decisions wrk -t1 -c16 -d2s -s bench/http/post.lua "http://127.0.0.1:$ngport" >/dev/null
      echo "jointly /v1/decisions (PostgreSQL, nginx in front of $(wc -w <<<"$replicas") replica(s)):"
      WRK_PATH=/v1/decisions wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$ngport" \
        | grep -E 'RESULT|Requests/sec'
      stop_nginx
    done
    kill "$pg_server2"; wait "$pg_server2" 2>/dev/null || true
  else
    echo "nginx is not installed: no PostgreSQL runs through nginx"
  fi
  kill "$pg_server"; wait "$pg_server" 2>/dev/null || true
fi
tests/pg/cluster.sh stop "$work/pg"

if command -v node >/dev/null; then
  (cd bench/http/node-baseline && [ -d node_modules ] || npm install --no-audit --no-fund >/dev/null)
  PORT=0 node bench/http/node-baseline/server.js >"$work/node.log" 2>&1 &
  pids+=($!)
  nport=$(wait_port "$work/node.log")
  WRK_PATH=/ wrk -t1 -c16 -d2s -s bench/http/post.lua "http://127.0.0.1:$nport" >/dev/null
  echo "node http + json-rules-engine /:"
  WRK_PATH=/ wrk -t1 -c16 -d"${seconds}s" --latency -s bench/http/post.lua "http://127.0.0.1:$nport" | grep -E 'RESULT|Requests/sec'
fi
