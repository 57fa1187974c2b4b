#!/usr/bin/env bash
# The local PostgreSQL cluster used when DATABASE_URL is unset.
#   scripts/db.sh start | stop | status
# Data lives in .var/pg/data (remove .var/pg to start afresh); it listens on a unix socket only.
. "$(dirname "$0")/common.sh"

bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
running() { [ -S "$PG_SOCKET_DIR/.s.PGSQL.5432" ] && as_pg "$bindir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

case "${1:-start}" in
  start)
    if [ -n "${DATABASE_URL:-}" ]; then log "DATABASE_URL is set: not starting a local cluster"; exit 0; fi
    [ -n "$bindir" ] || { echo "PostgreSQL is not installed: run scripts/setup.sh" >&2; exit 1; }
    mkdir -p "$VAR/pg" "$PG_SOCKET_DIR"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$VAR/pg" "$PG_SOCKET_DIR"; fi
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
      log "creating a PostgreSQL cluster in .var/pg/data"
      as_pg "$bindir/initdb" -D "$PG_DATA" -U editai --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! running; then
      # A lock left by a server that died uncleanly (its PID now gone or reused by another
      # program) would stop PostgreSQL from starting on this socket: remove it.
      lock="$PG_SOCKET_DIR/.s.PGSQL.5432.lock"
      if [ -f "$lock" ] && ! ps -p "$(head -n 1 "$lock")" -o comm= 2>/dev/null | grep -q postgres; then
        rm -f "$lock" "$PG_SOCKET_DIR/.s.PGSQL.5432"
      fi
      log "starting PostgreSQL (socket $PG_SOCKET_DIR)"
      as_pg "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start \
        -o "-c listen_addresses='' -c unix_socket_directories='$PG_SOCKET_DIR' -c max_connections=200 -c synchronous_commit=off" >/dev/null
    fi
    "$bindir/psql" -h "$PG_SOCKET_DIR" -U editai -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='editai'" | grep -q 1 \
      || "$bindir/createdb" -h "$PG_SOCKET_DIR" -U editai editai
    ;;
  stop)
    if running; then as_pg "$bindir/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null; log "PostgreSQL stopped"; fi
    ;;
  status)
    if running; then echo "running: data $PG_DATA, socket $PG_SOCKET_DIR"; else echo "stopped"; exit 3; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
