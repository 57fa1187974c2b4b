#!/usr/bin/env bash
# `make test`: the whole suite on PostgreSQL, plus ruff. Extra arguments go to pytest.
. "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh" --with-browser
"$ROOT/scripts/db.sh" start
log "ruff check"
"$VENV/bin/ruff" check .
# mypy over the apps ([tool.mypy] in pyproject.toml: strict for the job engine, the media graphs and
# the services). EDITAI_DEBUG=1: the django-stubs plugin loads the settings, which then need no
# database or production secrets.
log "mypy"
EDITAI_DEBUG=1 "$VENV/bin/mypy"
log "pytest"
workers="${EDITAI_TEST_WORKERS:-2}"
exec "$VENV/bin/pytest" -n "$workers" "$@"
