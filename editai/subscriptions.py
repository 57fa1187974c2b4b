"""The install's provider subscriptions (ElevenLabs characters), for support staff in the cost
admin. The figures cover every profile together, so they are never shown to a tenant: only
editai/admin.py reads them. editai may import the library's adapter; costs may not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from library.providers.tts.elevenlabs import ElevenLabsProvider

CACHE_SECONDS = 60

Figures = dict[str, Any]


def elevenlabs_subscription() -> Figures | None:
    """The ElevenLabs subscription's use this billing cycle; None when no key is set."""
    if not settings.ELEVENLABS_API_KEY:
        return None
    # Asked while an admin page renders: one attempt, a short timeout.
    usage = ElevenLabsProvider(timeout=settings.PROVIDER_REQUEST_TIMEOUT, attempts=1).subscription()
    return {
        "character_count": usage.character_count,
        "character_limit": usage.character_limit,
        "characters_left": max(usage.character_limit - usage.character_count, 0),
        "next_reset": usage.next_reset.isoformat() if usage.next_reset else None,
        "tier": usage.tier,
    }


# provider name -> its figures (None when not configured). A fixed list: one line per adapter.
SOURCES: tuple[tuple[str, Callable[[], Figures | None]], ...] = (("elevenlabs", elevenlabs_subscription),)


def subscription_usage() -> dict[str, Figures]:
    """Each configured provider's subscription figures (or {"error": ...} when it failed),
    cached for a minute: an admin page must not wait on the provider each time it is shown."""
    usage: dict[str, Figures] = {}
    for provider, source in SOURCES:
        key = f"subscription:{provider}"
        figures = cache.get(key)
        if figures is None:
            try:
                figures = source()
            except Exception as exc:  # a provider outage must not break the page
                usage[provider] = {"error": getattr(exc, "message", None) or str(exc)}
                continue
            if figures is None:  # not configured
                continue
            cache.set(key, figures, CACHE_SECONDS)
        usage[provider] = figures
    return usage
