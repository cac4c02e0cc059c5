# Sourced by bench/http/run.sh and ratio.sh: a work folder removed at exit with every server
# started (pids), and wait_port.
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
