#!/usr/bin/env bash
# `make test`: the whole suite on PostgreSQL, plus ruff. Extra arguments go to pytest.
. "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh" --with-browser
"$ROOT/scripts/db.sh" start
log "ruff check"
"$VENV/bin/ruff" check .
log "pytest"
workers="${EDITAI_TEST_WORKERS:-2}"
exec "$VENV/bin/pytest" -n "$workers" "$@"
