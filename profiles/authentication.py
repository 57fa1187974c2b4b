"""JWT and API-key authentication, each done once per request.

ProfileMiddleware authenticates the bearer token or the API key before the view runs (it needs
the user, or the key's profile, to pick the profile) and leaves the outcome on the request; DRF's
authentication classes reuse it, so a token is decoded once and a key looked up once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.authentication import JWTAuthentication

from profiles.models import ProfileAPIKey

_ATTR = "_editai_jwt"
_KEY_ATTR = "_editai_api_key"
API_KEY_HEADER = "Api-Key "
# last_used_at is written at most this often per key: a busy key does not write on every request.
LAST_USED_EVERY = timedelta(minutes=1)


def authenticate_bearer(request: HttpRequest) -> tuple[Any, Any] | None:
    """Authenticate `Authorization: Bearer ...` once; cache the result or the error."""
    if hasattr(request, _ATTR):
        outcome = getattr(request, _ATTR)
    else:
        try:
            # Reads only the Authorization header, which the plain Django request has too.
            outcome = JWTAuthentication().authenticate(cast("Request", request))
        except Exception as exc:  # the exact DRF error is replayed by DRF's authentication below
            outcome = exc
        setattr(request, _ATTR, outcome)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


class MiddlewareJWTAuthentication(JWTAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        if is_api_key_request(request._request):
            return None  # MiddlewareAPIKeyAuthentication's
        return authenticate_bearer(request._request)


def is_api_key_request(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").startswith(API_KEY_HEADER)


def _api_key_lookup(raw: str) -> ProfileAPIKey:
    prefix, dot, _ = raw.partition(".")
    if not dot or not prefix:
        raise AuthenticationFailed("Invalid API key.", code="api_key_invalid")
    # Unscoped: the key names its profile. One query for the key, its profile and the user.
    key = ProfileAPIKey.all_objects.get_usable_keys().select_related("profile__user").filter(prefix=prefix).first()
    if key is None or not key.is_valid(raw) or not key.profile.user.is_active:
        raise AuthenticationFailed("Invalid API key.", code="api_key_invalid")
    if key.has_expired:
        raise AuthenticationFailed("This API key has expired.", code="api_key_expired")
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        ProfileAPIKey.all_objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def authenticate_api_key(request: HttpRequest) -> ProfileAPIKey | None:
    """Authenticate `Authorization: Api-Key <prefix>.<secret>` once; cache the key or the error.
    None when the request carries no API key."""
    if not is_api_key_request(request):
        return None
    if hasattr(request, _KEY_ATTR):
        outcome = getattr(request, _KEY_ATTR)
    else:
        try:
            outcome = _api_key_lookup(request.headers["Authorization"][len(API_KEY_HEADER) :].strip())
        except AuthenticationFailed as exc:
            outcome = exc
        setattr(request, _KEY_ATTR, outcome)
    if isinstance(outcome, Exception):
        raise outcome
    return cast(ProfileAPIKey, outcome)


class MiddlewareAPIKeyAuthentication(BaseAuthentication):
    """request.user is the owner of the key's profile; request.auth is the key (ProfileAPIKey)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        key = authenticate_api_key(request._request)
        return None if key is None else (key.profile.user, key)

    def authenticate_header(self, request: Request) -> str:
        return "Api-Key"


class APIKeyThrottle(SimpleRateThrottle):
    """Requests per API key (EDITAI_API_KEY_THROTTLE), apart from every user's limits. Used by
    ProfileMiddleware, so no view can leave it out."""

    scope = "api_key"

    def get_rate(self) -> str:
        return str(settings.API_KEY_THROTTLE)

    def get_cache_key(self, request: object, view: object) -> str:
        return f"throttle_api_key_{vars(request)['api_key'].pk}"  # set by ProfileMiddleware
