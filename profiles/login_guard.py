"""Limits on the doors into an account: failed logins and registrations.

Built on DRF's rate throttles, the mechanism behind EDITAI_AUTH_THROTTLE, so every limit keys on
the same client address (EDITAI_NUM_PROXIES decides whether X-Forwarded-For is believed), keeps
its counts in the shared default cache, and answers 429 with Retry-After.

Failed logins are counted per account and per client address. Once either has
EDITAI_LOGIN_FAILURES failures within EDITAI_LOGIN_WINDOW, every login attempt for it is refused
until the oldest of those failures leaves the window; a successful login clears the account's
count (not the address's: logging in to one's own account must not buy more guesses at others).
The counting sits in the authentication backend, the one place that all three doors (the token
endpoint, the admin login and the browsable API login) pass through; the doors refuse early so
that the answer is a clear 429 rather than "wrong password".
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from rest_framework.exceptions import Throttled
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

LOCKED = "Too many failed logins for this account or from this address."


def client_address(request: HttpRequest) -> str:
    """The address the request came from: REMOTE_ADDR, or behind EDITAI_NUM_PROXIES proxies the
    address the nearest of them appended to X-Forwarded-For (what a client wrote there is ignored)."""
    # get_ident reads only request.META, which a plain Django request (the admin login) has too.
    return BaseThrottle().get_ident(cast("Request", request)) or "unknown"


class _LiveRateThrottle(SimpleRateThrottle):
    """A DRF rate throttle that reads its rate when used (DRF's reads it once, at import) and the
    clock through time.time at each call (so that tests can move it)."""

    def get_rate(self) -> str | None:
        rates = cast("dict[str | None, str | None]", api_settings.DEFAULT_THROTTLE_RATES)
        return rates.get(self.scope) or super().get_rate()

    def timer(self) -> float:
        return time.time()


class RegisterThrottle(_LiveRateThrottle):
    """EDITAI_THROTTLE_REGISTER: registrations per client address."""

    scope = "register"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class RegistrationOpen(BasePermission):
    message = "Registration is closed on this install; ask its operator for an account."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return settings.REGISTRATION == "open"


class _FailedLogins(_LiveRateThrottle):
    """The failed logins of one account or one address. Unlike a request throttle it records
    nothing when asked; `record()` adds a failure."""

    def __init__(self, kind: str, ident: str) -> None:
        self.num_requests, self.duration = settings.LOGIN_FAILURES, settings.LOGIN_WINDOW_SECONDS
        self.rate = f"{self.num_requests}/{self.duration}s"
        self.key = self.cache_format % {"scope": f"login_failures_{kind}", "ident": ident}

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.key

    def throttle_success(self) -> bool:
        return True

    def wait(self) -> float:
        # Locked until the oldest of the last LOGIN_FAILURES failures leaves the window.
        return max(self.history[self.num_requests - 1] + self.duration - self.now, 1.0)

    def record(self) -> None:
        now = self.timer()
        history = [moment for moment in self.cache.get(self.key, []) if moment > now - self.duration]
        self.cache.set(self.key, [now, *history][: self.num_requests], self.duration)

    def reset(self) -> None:
        self.cache.delete(self.key)


def _account(username: str) -> _FailedLogins:
    # Hashed: the cache never holds the names people tried, and any name makes a valid key.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return _FailedLogins("account", digest)


def _counters(request: HttpRequest | None, username: str) -> list[_FailedLogins]:
    counters = [_account(username)]
    if request is not None:  # authenticate() without a request (tests, shell) counts the account only
        counters.append(_FailedLogins("address", client_address(request)))
    return counters


def login_wait(*, request: HttpRequest | None, username: str) -> float | None:
    """Seconds before this account may try to log in from this address again; None: now."""
    # A _FailedLogins counter reads neither the request nor the view (its key is fixed).
    counters = _counters(request, username)
    waits = [
        counter.wait()
        for counter in counters
        if not counter.allow_request(cast("Request", request), cast("APIView", None))
    ]
    return max(waits) if waits else None


def login_failure_record(*, request: HttpRequest | None, username: str) -> None:
    for counter in _counters(request, username):
        counter.record()


def login_success_record(*, username: str) -> None:
    _account(username).reset()


class LoginGuardBackend(ModelBackend):
    """Django's ModelBackend that counts failed logins and tries no password while locked."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: object
    ) -> Any:
        if username is None or password is None:
            return super().authenticate(request, username, password, **kwargs)
        if login_wait(request=request, username=str(username)) is not None:
            raise PermissionDenied(LOCKED)  # authenticate() stops here: no other backend is tried
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            login_failure_record(request=request, username=str(username))
        else:
            login_success_record(username=str(username))
        return user


def login_locked_error(wait: float) -> Throttled:
    return Throttled(wait=wait, detail=LOCKED)


def login_guarded(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """For the session login forms (admin, browsable API): a locked login gets a 429 page that
    says why, instead of the form's "wrong password"."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if request.method == "POST":
            wait = login_wait(request=request, username=request.POST.get("username", ""))
            if wait is not None:
                minutes = math.ceil(wait / 60)
                response = TemplateResponse(
                    request,
                    "profiles/login_locked.html",
                    {"message": LOCKED, "minutes": minutes, "retry_url": request.get_full_path()},
                    status=429,
                )
                response["Retry-After"] = str(math.ceil(wait))
                return response
        return view(request, *args, **kwargs)

    return guarded
