#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `cluster.sh start STATE_DIR` runs initdb into a
# new temporary folder, starts it with only a Unix socket in that folder (no TCP), creates the
# database `jointly` and writes its URL to STATE_DIR/url; `stop STATE_DIR` stops it and removes
# the folder. `halt` and `resume` stop and restart the server keeping its data (the tests of a
# database that goes away); `halt STATE_DIR immediate` stops it as a crash would (pg_ctl's
# `-m immediate`: no checkpoint, crash recovery on `resume`) rather than `-m fast`. initdb
# refuses to run as root, so as root the cluster belongs to an unprivileged user
# (`jointly-pg`, created if missing, else `nobody`).
#
# Without PostgreSQL installed, `start` writes no URL and succeeds, so that a developer's tests
# skip; with CI set it fails, and the tests that need the cluster fail with it.
set -euo pipefail
command_name="${1:?usage: cluster.sh start|stop|halt|resume STATE_DIR [fast|immediate]}"
state="${2:?usage: cluster.sh start|stop|halt|resume STATE_DIR}"

bindir="${JOINTLY_PG_BINDIR:-}"
if [ -z "$bindir" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bindir="$candidate"
  done
fi
if [ -z "$bindir" ] && command -v pg_ctl >/dev/null; then bindir="$(dirname "$(command -v pg_ctl)")"; fi

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$(cat "$state/owner")" -- "$@"; else "$@"; fi
}

case "$command_name" in
  start)
    mkdir -p "$state"
    rm -f "$state/url"
    if [ -z "$bindir" ]; then
      if [ -n "${CI:-}" ]; then
        echo "error: PostgreSQL is not installed (no initdb); run scripts/deps.sh" >&2
        exit 1
      fi
      echo "PostgreSQL is not installed: the PostgreSQL tests will be skipped" >&2
      exit 0
    fi
    [ -f "$state/dir" ] && "$0" stop "$state"
    owner="$(id -un)"
    if [ "$(id -u)" -eq 0 ]; then
      id jointly-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin jointly-pg \
        >/dev/null 2>&1 || true
      owner=nobody
      id jointly-pg >/dev/null 2>&1 && owner=jointly-pg
    fi
    echo "$owner" > "$state/owner"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/jointly-pg.XXXXXX")"
    echo "$dir" > "$state/dir"
    [ "$(id -u)" -eq 0 ] && chown "$owner" "$dir"
    chmod 700 "$dir"
    # Trust over the socket only: the folder is the owner's alone (and root's). fsync off: the
    # tests kill replicas, never this server, and it is thrown away at the end
    # (JOINTLY_PG_FSYNC=on for benchmarks, bench/http/run.sh).
    as_owner "$bindir/initdb" -D "$dir/data" -U jointly --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = ${JOINTLY_PG_FSYNC:-off}
max_connections = 200
CONF
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bindir/psql" -h "$dir" -U jointly -d postgres -qAt -c "CREATE DATABASE jointly" >/dev/null
    echo "postgresql://jointly@/jointly?host=$dir" > "$state/url"
    cat "$state/url"
    ;;
  halt)
    mode="${3:-fast}"
    case "$mode" in fast|immediate) ;; *) echo "usage: cluster.sh halt STATE_DIR [fast|immediate]" >&2; exit 2 ;; esac
    as_owner "$bindir/pg_ctl" -D "$(cat "$state/dir")/data" -m "$mode" -w stop >/dev/null
    ;;
  resume)
    dir="$(cat "$state/dir")"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
    ;;
  stop)
    [ -f "$state/dir" ] || exit 0
    dir="$(cat "$state/dir")"
    if [ -n "$bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    rm -f "$state/dir" "$state/url"
    ;;
  *)
    echo "usage: cluster.sh start|stop|halt|resume STATE_DIR" >&2
    exit 2
    ;;
esac
