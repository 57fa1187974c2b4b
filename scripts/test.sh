#!/usr/bin/env bash
# `make test`: the whole suite on PostgreSQL, plus ruff. Extra arguments go to pytest.
. "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh" --with-browser
"$ROOT/scripts/db.sh" start
log "ruff check"
"$VENV/bin/ruff" check .
# TODO(issue 15): run mypy always once its configuration ([tool.mypy] in pyproject.toml) is
# clean; until then EDITAI_TEST_MYPY=1 turns it on. EDITAI_DEBUG=1: the django-stubs plugin loads
# the settings, which need no database or secrets in debug.
if [ "${EDITAI_TEST_MYPY:-0}" = "1" ]; then
    log "mypy"
    EDITAI_DEBUG=1 "$VENV/bin/mypy"
fi
log "pytest"
workers="${EDITAI_TEST_WORKERS:-2}"
exec "$VENV/bin/pytest" -n "$workers" "$@"
