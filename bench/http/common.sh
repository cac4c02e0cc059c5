# Sourced by bench/http/run.sh and ratio.sh: a work folder removed at exit with every server
# started (pids), and wait_port.
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

wait_port() {  # wait_port LOGFILE -> prints the port once "listening on HOST:PORT" appears
  for _ in $(seq 1 200); do
    port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$1" 2>/dev/null | head -1 | sed 's/.*://') || true
    [ -n "${port:-}" ] && { echo "$port"; return 0; }
    sleep 0.05
  done
  echo "server did not start: $(cat "$1")" >&2; return 1
}
