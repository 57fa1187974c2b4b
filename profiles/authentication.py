"""JWT authentication done once per request.

ProfileMiddleware authenticates the bearer token before the view runs (it needs the user to pick
the profile) and leaves the outcome on the request; DRF's authentication class reuses it, so a
token is decoded once and the user is loaded once.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

_ATTR = "_editai_jwt"


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
        return authenticate_bearer(request._request)
