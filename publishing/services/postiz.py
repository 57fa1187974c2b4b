"""The current profile's Postiz: its client, its integrations (cached), its health."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache

from profiles.errors import DomainError, NotConfigured, UpstreamFailed
from profiles.models import Profile
from profiles.services import profile_postiz_checked
from publishing.postiz import KEY_REJECTED, Integration, PostizClient, PostizError


class PostizNotConfigured(NotConfigured):
    code = "postiz_not_configured"
    default_detail = "Set postiz_api_url and postiz_api_key on the profile first."


class PostizUnavailable(UpstreamFailed):
    code = "postiz_unavailable"


def client_for(profile: Profile) -> PostizClient:
    if not profile.postiz_configured:
        raise PostizNotConfigured
    try:
        return PostizClient(
            base_url=profile.postiz_api_url, api_key=profile.postiz_api_key, timeout=settings.POSTIZ_TIMEOUT
        )
    except ValueError as exc:
        raise PostizNotConfigured(f"The profile's Postiz settings are not usable: {exc}") from None


def note_error(profile: Profile, exc: PostizError) -> None:
    """Remember a rejected key or a refused address on the profile, where the user sees it."""
    if exc.code == "auth":
        profile_postiz_checked(profile=profile, error=KEY_REJECTED)
    elif exc.code == "address_refused":
        profile_postiz_checked(profile=profile, error=str(exc))


def as_api_error(profile: Profile, exc: PostizError) -> DomainError:
    note_error(profile, exc)
    if exc.code == "address_refused":
        # The profile's settings, not Postiz, are what must change: a 400 like a missing key.
        return PostizNotConfigured(str(exc))
    return PostizUnavailable(str(exc))


def _cache_key(profile: Profile) -> str:
    # The key's own identity is part of the cache key: a new key never sees the old key's list.
    return f"postiz:integrations:{profile.pk}:{hash((profile.postiz_api_url, profile.postiz_api_key))}"


def integrations(profile: Profile, *, refresh: bool = False) -> list[Integration]:
    key = _cache_key(profile)
    cached: list[Integration] | None = None if refresh else cache.get(key)
    if cached is not None:
        return cached
    with client_for(profile) as client:
        try:
            found = client.list_integrations()
        except PostizError as exc:
            raise as_api_error(profile, exc) from None
    cache.set(key, found, settings.POSTIZ_INTEGRATIONS_CACHE_SECONDS)
    return found


def status(profile: Profile) -> dict[str, Any]:
    """Is the profile's Postiz reachable, and does it accept the key?"""
    body: dict[str, Any] = {"configured": profile.postiz_configured, "reachable": None, "key_accepted": None}
    if not profile.postiz_configured:
        return {**body, "error": PostizNotConfigured.default_detail}
    client = client_for(profile)
    body["base_url"] = client.base_url
    try:
        with client:
            client.is_connected()
    except PostizError as exc:
        if exc.code == "address_refused":
            raise as_api_error(profile, exc) from None
        note_error(profile, exc)
        reachable = exc.code not in ("timeout", "unreachable")
        return {
            **body,
            "reachable": reachable,
            "key_accepted": False if exc.code == "auth" else None,
            "error": str(exc),
        }
    profile_postiz_checked(profile=profile, error="")
    return {**body, "reachable": True, "key_accepted": True, "error": ""}
