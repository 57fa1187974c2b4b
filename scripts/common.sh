# Shared by the setup, database, run and test scripts. Source it; do not run it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
VAR="$ROOT/.var"
# Local PostgreSQL (used when DATABASE_URL is unset): data in .var/pg/data, socket in a short
# /tmp path derived from the checkout's path (unix socket paths are limited to ~100 bytes).
PG_DATA="$VAR/pg/data"
PG_LOG="$VAR/pg/postgres.log"
PG_SOCKET_DIR="/tmp/.editai-pg-$(printf %s "$ROOT" | sha1sum | cut -c1-10)"
if [ -f "$ROOT/.env" ]; then set -a; . "$ROOT/.env"; set +a; fi
log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
