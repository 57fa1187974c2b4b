"""Deployment: `.env.production.example` passes `manage.py check --deploy`, and with DEBUG off the
development SECRET_KEY (or no field encryption key) stops every server process before it serves.
Each test runs real processes on the project's own settings (not the test settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.utils import get_random_secret_key

pytestmark = pytest.mark.e2e

ROOT = Path(settings.BASE_DIR)
PRODUCTION_EXAMPLE = ROOT / ".env.production.example"
# What the example must set: the secrets, the hosts, and every HTTPS setting Django checks.
REQUIRED = (
    "EDITAI_DEBUG", "EDITAI_SECRET_KEY", "EDITAI_FIELD_ENCRYPTION_KEYS", "EDITAI_ALLOWED_HOSTS",
    "EDITAI_CSRF_TRUSTED_ORIGINS", "EDITAI_SECURE_SSL_REDIRECT", "EDITAI_SECURE_PROXY_SSL_HEADER",
    "EDITAI_SECURE_HSTS_SECONDS", "EDITAI_SECURE_COOKIES", "EDITAI_NUM_PROXIES", "DATABASE_URL",
    "EDITAI_HEALTH_TOKEN",
)  # fmt: skip


def _example() -> dict[str, str]:
    values = {}
    for line in PRODUCTION_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and key == key.strip() and " #" not in value, f"not a plain KEY=value line: {line!r}"
            values[key] = value
    return values


def _clean_env(**values: str) -> dict[str, str]:
    """This machine's environment without any EditAI or Django setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDITAI_", "DJANGO_", "DATABASE_URL", "S3_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "editai.settings", "PYTHONUNBUFFERED": "1", **values})
    return env


def _local_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER']}@{quote(str(db['HOST']), safe='')}/{db['NAME']}"


def _run(argv: list[str], env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, str(ROOT / "manage.py"), *args], env)


def test_the_production_example_passes_check_deploy(tmp_path: Path) -> None:
    example = _example()
    assert set(REQUIRED) <= set(example), set(REQUIRED) - set(example)
    assert example["EDITAI_SECRET_KEY"] == "" and example["EDITAI_FIELD_ENCRYPTION_KEYS"] == ""  # blanks to fill
    env = _clean_env(
        **{
            **example,
            "EDITAI_SECRET_KEY": get_random_secret_key(),
            "EDITAI_FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "EDITAI_HEALTH_TOKEN": get_random_secret_key(),
            "DATABASE_URL": _local_database_url(),  # the local cluster, not the example's placeholder host
            "EDITAI_MEDIA_ROOT": str(tmp_path / "media"),
            "EDITAI_TEMP_ROOT": str(tmp_path / "tmp"),
        }
    )
    done = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_with_debug_off_the_development_key_stops_every_server_process() -> None:
    env = _clean_env(EDITAI_DEBUG="0", DATABASE_URL=_local_database_url())  # no secret key, no field keys
    check = _manage(env, "check")
    assert check.returncode != 0
    assert "editai.E001" in check.stderr and "editai.E002" in check.stderr, check.stderr
    # runserver and qcluster run the checks before they start.
    for command in (["runserver", "--noreload", "127.0.0.1:0"], ["qcluster"]):
        started = _manage(env, *command)
        assert started.returncode != 0, command
        assert "editai.E001" in started.stderr, (command, started.stderr)
    # gunicorn runs none: loading editai.wsgi refuses.
    gunicorn = _run([str(Path(sys.executable).parent / "gunicorn"), "--check-config", "editai.wsgi:application"], env)
    assert gunicorn.returncode != 0
    assert "editai.E001" in gunicorn.stdout + gunicorn.stderr, gunicorn.stdout + gunicorn.stderr


def test_a_secret_key_alone_is_not_enough() -> None:
    env = _clean_env(EDITAI_DEBUG="0", EDITAI_SECRET_KEY=get_random_secret_key(), DATABASE_URL=_local_database_url())
    check = _manage(env, "check")
    assert check.returncode != 0
    assert "editai.E002" in check.stderr and "editai.E001" not in check.stderr, check.stderr


def test_local_runs_and_the_test_settings_keep_working() -> None:
    local = _manage(_clean_env(EDITAI_DEBUG="1", DATABASE_URL=_local_database_url()), "check")
    assert local.returncode == 0, local.stderr
    tests = _manage(_clean_env(DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=_local_database_url()), "check")
    assert tests.returncode == 0, tests.stderr
