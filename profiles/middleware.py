"""Resolves the profile of each request and runs the rest of it inside that profile's scope."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from profiles.authentication import authenticate_bearer
from profiles.tenancy import profile_scope, unscoped

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NO_DEFAULT_PROFILE = (
    "You have no default profile. Create one with POST /api/v1/profiles/ or choose one with "
    "POST /api/v1/profiles/{id}/set-default/, or send X-Profile-Id."
)


def is_profile_exempt(path: str) -> bool:
    """Paths that need no profile: health, auth, the user's own profiles, schema, static."""
    return path in settings.PROFILE_EXEMPT_EXACT or path.startswith(settings.PROFILE_EXEMPT_PREFIXES)


def _error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


class ProfileMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/admin/"):
            if request.user.is_authenticated and request.user.is_staff:
                with unscoped():
                    return self.get_response(request)
            return self.get_response(request)
        if is_profile_exempt(path):
            return self.get_response(request)

        user = self._authenticate(request)
        if user is None:
            # No scope: DRF answers 401 before any scoped query can run.
            return self.get_response(request)

        from profiles.models import Profile

        requested = request.headers.get("X-Profile-Id") or request.GET.get("profile")
        if requested:
            try:
                profile_id = uuid.UUID(requested.strip())
            except ValueError:
                return _error(404, "Profile not found", "profile_not_found")
            profile = Profile.objects.filter(pk=profile_id).first()
            if profile is None:
                return _error(404, "Profile not found", "profile_not_found")
            if profile.user_id != user.pk:
                return _error(403, "Access denied to this profile", "profile_access_denied")
        else:
            profile = Profile.objects.filter(user=user, is_default=True).first()
            if profile is None:
                return _error(503, NO_DEFAULT_PROFILE, "no_default_profile")

        request.profile = profile  # type: ignore[attr-defined]
        with profile_scope(profile):
            # Django renders template responses (DRF's included) inside get_response, so the
            # scope also covers serialization; it is reset before the thread takes new work.
            return self.get_response(request)

    @staticmethod
    def _authenticate(request: HttpRequest) -> User | None:
        if request.headers.get("Authorization", "").startswith("Bearer "):
            try:
                outcome = authenticate_bearer(request)
            except Exception:
                return None  # DRF replays the error as a 401
            if outcome is not None:
                request.user = outcome[0]
                return outcome[0]
            return None
        user = request.user
        return user if user.is_authenticated else None
