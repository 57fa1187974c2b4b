"""Abuse limits on the auth surface: throttles keyed on the real client address, the failed-login
lockout shared by the token endpoint, the admin login and the browsable API login, the
registration throttle, and closing registration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import freezegun
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from editai.env import env_seconds
from tests.conftest import PASSWORD

TOKEN = "/api/v1/auth/token/"
REGISTER = "/api/v1/auth/register/"
ADMIN_LOGIN = "/admin/login/"
BROWSABLE_LOGIN = "/api-auth/login/"
WINDOW = 15 * 60
DATABASE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "editai_cache", "KEY_PREFIX": "t"}
}


def _token(username: str, password: str, address: str = "127.0.0.1", **extra: Any) -> Any:
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address, **extra
    )


def _register(username: str, address: str = "127.0.0.1", **extra: Any) -> Any:
    body = {"username": username, "email": f"{username}@example.com", "password": "a-long-passphrase"}
    return APIClient().post(REGISTER, body, format="json", REMOTE_ADDR=address, **extra)


def _rates(**rates: str) -> dict[str, str]:
    return {**api_settings.DEFAULT_THROTTLE_RATES, **rates}


def _rest_framework(**overrides: Any) -> dict[str, Any]:
    return {**django_settings.REST_FRAMEWORK, **overrides}


# --- the client address -------------------------------------------------------------------------


def test_throttles_ignore_x_forwarded_for_by_default(cast: Any, monkeypatch: Any) -> None:
    """A client that forges a new X-Forwarded-For on every request is still one client."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", _rates(auth="3/min"))
    for n in range(3):
        assert _token("alice", PASSWORD, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code == 200
    blocked = _token("alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0


def test_behind_a_proxy_the_address_it_appends_is_the_client(cast: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", _rates(auth="2/min"))
    with override_settings(REST_FRAMEWORK=_rest_framework(NUM_PROXIES=1)):
        # The proxy appends the address it saw; what the client wrote before it is ignored.
        for _ in range(2):
            assert _token("alice", PASSWORD, HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7").status_code == 200
        assert _token("alice", PASSWORD, HTTP_X_FORWARDED_FOR="2.2.2.2, 198.51.100.7").status_code == 429
        assert _token("alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


# --- failed logins: the token endpoint ---------------------------------------------------------


def test_failed_logins_lock_the_account_until_the_window_passes(cast: Any) -> None:
    start = timezone.now()
    with freezegun.freeze_time(start) as clock:
        for n in range(10):  # each from another address: the account alone is counted here
            assert _token("alice", "wrong", f"192.0.2.{n}").status_code == 401
        locked = _token("alice", PASSWORD, "192.0.2.200")
        assert locked.status_code == 429, locked.content
        assert "Too many failed logins" in locked.json()["detail"]
        assert 0 < int(locked["Retry-After"]) <= WINDOW
        assert _token("bob", PASSWORD, "192.0.2.200").status_code == 200  # other accounts are not locked
        clock.tick(timedelta(seconds=WINDOW - 60))
        assert _token("alice", PASSWORD, "192.0.2.201").status_code == 429
        clock.tick(timedelta(seconds=61))
        assert _token("alice", PASSWORD, "192.0.2.201").status_code == 200


def test_failed_logins_lock_the_client_address(cast: Any) -> None:
    for n in range(10):  # a different account each time: the address alone is counted here
        assert _token(f"nobody{n}", "wrong", "198.51.100.23").status_code == 401
    assert _token("alice", PASSWORD, "198.51.100.23").status_code == 429
    assert _token("alice", PASSWORD, "198.51.100.24").status_code == 200


def test_a_successful_login_resets_the_accounts_count(cast: Any) -> None:
    for n in range(9):
        assert _token("alice", "wrong", f"192.0.2.{n}").status_code == 401
    assert _token("alice", PASSWORD, "192.0.2.100").status_code == 200
    for n in range(9):
        assert _token("alice", "wrong", f"192.0.2.{50 + n}").status_code == 401
    assert _token("alice", PASSWORD, "192.0.2.101").status_code == 200


def test_the_limits_follow_the_settings(cast: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES = 2
    settings.LOGIN_WINDOW_SECONDS = 60
    start = timezone.now()
    with freezegun.freeze_time(start) as clock:
        assert _token("alice", "wrong", "192.0.2.1").status_code == 401
        assert _token("alice", "wrong", "192.0.2.2").status_code == 401
        assert _token("alice", PASSWORD, "192.0.2.3").status_code == 429
        clock.tick(timedelta(seconds=61))
        assert _token("alice", PASSWORD, "192.0.2.3").status_code == 200


# --- failed logins: the session logins share the same counts ----------------------------------


@pytest.mark.parametrize("login_url", [ADMIN_LOGIN, BROWSABLE_LOGIN])
def test_session_logins_count_failures_and_refuse_when_locked(cast: Any, login_url: str) -> None:
    cast.alice.is_staff = True
    cast.alice.save(update_fields=["is_staff"])
    client = Client(REMOTE_ADDR="192.0.2.77")
    for _ in range(10):
        failed = client.post(login_url, {"username": "alice", "password": "wrong"})
        assert failed.status_code == 200  # the form again, with its error
    locked = client.post(login_url, {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert "_auth_user_id" not in client.session  # not logged in
    # One count per account whatever the door: the token endpoint refuses alice as well.
    assert _token("alice", PASSWORD, "192.0.2.78").status_code == 429


def test_a_session_login_resets_the_accounts_count(cast: Any) -> None:
    for n in range(9):
        assert _token("alice", "wrong", f"192.0.2.{n}").status_code == 401
    response = Client(REMOTE_ADDR="192.0.2.90").post(BROWSABLE_LOGIN, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    for n in range(9):
        assert _token("alice", "wrong", f"192.0.2.{20 + n}").status_code == 401
    assert _token("alice", PASSWORD, "192.0.2.91").status_code == 200


# --- registration -------------------------------------------------------------------------------


def test_registration_is_throttled_per_client_address(db: Any, settings: Any) -> None:
    rates = _rates(register="2/hour")
    with override_settings(REST_FRAMEWORK=_rest_framework(DEFAULT_THROTTLE_RATES=rates)):
        assert _register("dana", "203.0.113.5").status_code == 201
        assert _register("erin", "203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 201
        third = _register("fred", "203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.9.10")
        assert third.status_code == 429
        assert int(third["Retry-After"]) > 0
        assert _register("gina", "203.0.113.6").status_code == 201


def test_the_defaults() -> None:
    from editai import settings as project_settings

    assert project_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["register"] == "30/hour"
    assert project_settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    assert (project_settings.LOGIN_FAILURES, project_settings.LOGIN_WINDOW_SECONDS) == (10, 15 * 60)


@pytest.mark.parametrize(
    ("raw", "seconds"), [("900", 900), ("900s", 900), ("15m", 900), ("15min", 900), ("1h", 3600), ("", 900)]
)
def test_the_login_window_reads_durations(monkeypatch: Any, raw: str, seconds: int) -> None:
    monkeypatch.setenv("EDITAI_LOGIN_WINDOW", raw)
    assert env_seconds("EDITAI_LOGIN_WINDOW", 900) == seconds


@pytest.mark.parametrize("raw", ["15 minutes", "-5", "0", "1w", "m"])
def test_a_bad_login_window_is_refused_at_start(monkeypatch: Any, raw: str) -> None:
    monkeypatch.setenv("EDITAI_LOGIN_WINDOW", raw)
    with pytest.raises(ImproperlyConfigured, match="EDITAI_LOGIN_WINDOW"):
        env_seconds("EDITAI_LOGIN_WINDOW", 900)


def test_registration_can_be_closed(db: Any, settings: Any) -> None:
    settings.REGISTRATION = "closed"
    response = _register("dana")
    assert response.status_code == 403
    assert "Registration is closed" in response.json()["detail"]
    settings.REGISTRATION = "open"
    assert _register("dana").status_code == 201


# --- where the counts live ----------------------------------------------------------------------


def _project_caches(**env: str) -> dict[str, Any]:
    """settings.CACHES of the project's own settings in a fresh process with this environment."""
    clean = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("DJANGO_")}
    code = "import json; from django.conf import settings; print(json.dumps(settings.CACHES))"
    out = subprocess.run(
        [sys.executable, "-c", code], env={**clean, "DJANGO_SETTINGS_MODULE": "editai.settings", **env},
        cwd=django_settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)["default"]


def test_the_shared_cache_is_the_database_or_redis_with_redis_url() -> None:
    database = _project_caches()
    assert database["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert database["LOCATION"] == DATABASE_CACHE["default"]["LOCATION"]
    redis = _project_caches(REDIS_URL="redis://127.0.0.1:6379/3")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/3"


def test_counts_in_the_database_cache_are_shared_through_postgresql(cast: Any) -> None:
    table = DATABASE_CACHE["default"]["LOCATION"]
    # The table exists wherever migrate ran (a migration creates it), the test database included.
    assert table in connection.introspection.table_names()
    with override_settings(CACHES=DATABASE_CACHE):
        for n in range(10):
            assert _token("alice", "wrong", f"192.0.2.{n}").status_code == 401
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (our own table name)
            assert cursor.fetchone()[0] > 0
        assert _token("alice", PASSWORD, "192.0.2.200").status_code == 429
