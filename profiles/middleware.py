"""Resolves the profile of each request and runs the rest of it inside that profile's scope."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from profiles.authentication import APIKeyThrottle, authenticate_api_key, authenticate_bearer, is_api_key_request
from profiles.tenancy import profile_scope, unscoped

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from profiles.models import ProfileAPIKey

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

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
            if is_api_key_request(request):
                # A key is a machine's access to one store's data, never to the account: not to
                # profiles, API keys or auth (a key cannot mint keys or read other stores).
                return _error(403, "API keys reach only profile-scoped routes.", "api_key_not_allowed")
            return self.get_response(request)

        user = self._authenticate(request)
        if user is None:
            # No scope: DRF answers 401 before any scoped query can run.
            return self.get_response(request)

        key = getattr(request, "api_key", None)
        if key is not None:
            return self._as_key(request, key)

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

    def _as_key(self, request: HttpRequest, key: ProfileAPIKey) -> HttpResponse:
        """A request made with an API key acts as the key's profile and nothing else."""
        requested = request.headers.get("X-Profile-Id") or request.GET.get("profile")
        if requested:
            try:
                profile_id = uuid.UUID(requested.strip())
            except ValueError:
                return _error(404, "Profile not found", "profile_not_found")
            if profile_id != key.profile_id:  # any other profile, the same user's included
                return _error(403, "Access denied to this profile", "profile_access_denied")
        if request.method not in SAFE_METHODS and not key.can_write:
            return _error(403, "This API key is read-only.", "api_key_read_only")
        throttle = APIKeyThrottle()
        # DRF's throttle reads only what a plain request has too (the key, set above; no view).
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]
            response = _error(429, "Too many requests with this API key. Try again later.", "throttled")
            wait = throttle.wait()
            if wait is not None:
                response["Retry-After"] = str(max(1, int(wait)))
            return response
        request.profile = key.profile  # type: ignore[attr-defined]
        with profile_scope(key.profile):
            return self.get_response(request)

    @staticmethod
    def _authenticate(request: HttpRequest) -> User | None:
        if is_api_key_request(request):
            try:
                key = authenticate_api_key(request)
            except Exception:
                return None  # DRF replays the error as a 401
            if key is None:
                return None
            request.user = key.profile.user
            request.api_key = key  # type: ignore[attr-defined]
            return key.profile.user
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
