#!/usr/bin/env bash
# `make run`: API server and django-q2 worker against the local PostgreSQL. Ctrl-C stops both.
. "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/db.sh" start
export EDITAI_DEBUG="${EDITAI_DEBUG:-1}"
log "migrating"
"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py ensure_local_admin

host="${EDITAI_HOST:-127.0.0.1}"; port="${EDITAI_PORT:-8000}"
pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  # qcluster sometimes deadlocks in its own SIGTERM handler (django-q2 issue #346): give both a
  # few seconds to stop cleanly, then kill what is left. Jobs are crash-safe (stale requeue).
  for _ in $(seq 1 20); do
    alive=0; for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break; sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  log "stopped (PostgreSQL keeps running: make db-stop)"
}
trap stop INT TERM EXIT
set -m  # each background job gets its own process group, so Ctrl-C can stop it whole
"$PY" manage.py qcluster & pids+=($!)
"$PY" manage.py runserver "$host:$port" --noreload & pids+=($!)
set +m
cat <<MSG

  EditAI is up:  http://$host:$port/          (API root: http://$host:$port/api/v1/)
  API docs:      http://$host:$port/api/docs/
  Admin:         http://$host:$port/admin/    user "admin", password in .var/admin_password
  Sign up:       curl -s -X POST http://$host:$port/api/v1/auth/register/ \\
                   -H 'Content-Type: application/json' \\
                   -d '{"username":"me","email":"me@example.com","password":"a-long-passphrase"}'
  Token:         POST /api/v1/auth/token/ {"username","password"} -> {"access","refresh"}
  Ctrl-C stops the server and the worker.

MSG
wait -n "${pids[@]}" || true
