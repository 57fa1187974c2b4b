#!/usr/bin/env bash
# Installs what EditAI needs on Debian (as root) and the Python virtualenv. Safe to run twice:
# packages already present and an up-to-date virtualenv are left alone.
#   scripts/setup.sh [--with-browser | --with-bench]   (the browser tests' Chromium, or the benchmarks' wrk)
. "$(dirname "$0")/common.sh"

need=()
# redis-server: the broker of multi-machine installs, and tests/scale starts a private one.
# fonts-noto-cjk: Chinese, Japanese and Korean captions; libfribidi0: Pillow shapes right-to-left text (raqm) in the script tests.
for pkg in ffmpeg espeak-ng fonts-dejavu-core fonts-noto-core fonts-noto-cjk libfribidi0 python3-venv redis-server; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ -z "${DATABASE_URL:-}" ] && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  need+=(postgresql)
fi
# --with-browser (make test): headless Chromium and its driver for tests/support/test_browser.py.
if [ "${1:-}" = "--with-browser" ]; then
  for pkg in chromium chromium-driver; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
fi
# --with-bench (make bench): wrk, the HTTP load generator of bench/load.py.
if [ "${1:-}" = "--with-bench" ]; then
  dpkg -s wrk >/dev/null 2>&1 || need+=(wrk)
fi
if [ "${#need[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "run as root to install ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

python_bin="$(command -v python3.11 || command -v python3)"
"$python_bin" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "EditAI needs Python 3.11" >&2; exit 1; }
stamp="$VENV/.requirements.sha1"
want="$(cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-40)"
if [ ! -x "$PY" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating the virtualenv in .venv"
  [ -x "$PY" ] || "$python_bin" -m venv "$VENV"
  "$PY" -m pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  "$PY" -c 'import django, rest_framework, django_q' # fail here, not later, on a broken install
  echo "$want" > "$stamp"
fi
