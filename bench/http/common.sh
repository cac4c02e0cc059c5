# Sourced by the scripts in bench/http: a work folder removed at exit with every server started
# (pids), wait_port, serve and cpu_ticks.
work=$(mktemp -d)
pids=()
# Servers started inside $(...) (a subshell) cannot add to pids: they leave NAME.pid files in
# the work folder instead, and those are stopped too.
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$work"/*.pid; do
    if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

wait_port() {  # wait_port LOGFILE -> prints the port once "listening on HOST:PORT" appears
  for _ in $(seq 1 200); do
    port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$1" 2>/dev/null | head -1 | sed 's/.*://') || true
    [ -n "${port:-}" ] && { echo "$port"; return 0; }
    sleep 0.05
  done
  echo "server did not start: $(cat "$1")" >&2; return 1
}

# serve NAME BINARY [ARGS...]: starts `jointly serve` on the example policies and its own
# database in the work folder (unless ARGS give a --db; ARGS added), prints its port; its pid
# is in NAME.pid.
serve() {
  local db=(--db "$work/$1.db")
  case " ${*:3} " in *" --db "*) db=() ;; esac
  "$2" serve --policies policies "${db[@]}" --port 0 --insecure-dev --open-evaluation --quiet "${@:3}" \
    >"$work/$1.log" 2>&1 &
  echo "$!" >"$work/$1.pid"
  wait_port "$work/$1.log"
}

# cpu_ticks PID: user + system clock ticks the process has used
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
