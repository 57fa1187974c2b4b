from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"

    def ready(self) -> None:
        from costs.selectors import SUBSCRIPTION_USAGE
        from library.jobs import generate, kinds, oneclick, render, tool_kinds, tts  # noqa: F401  (registers job kinds)

        SUBSCRIPTION_USAGE["elevenlabs"] = _elevenlabs_subscription


def _elevenlabs_subscription() -> dict | None:
    from django.conf import settings

    if not settings.ELEVENLABS_API_KEY:
        return None
    from library.providers.tts.elevenlabs import ElevenLabsProvider

    usage = ElevenLabsProvider().subscription()
    return {
        "character_count": usage.character_count,
        "character_limit": usage.character_limit,
        "characters_left": max(usage.character_limit - usage.character_count, 0),
        "next_reset": usage.next_reset.isoformat() if usage.next_reset else None,
        "tier": usage.tier,
    }
