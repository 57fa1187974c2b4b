from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"

    def ready(self) -> None:
        from costs.selectors import SUBSCRIPTION_USAGE
        from library.jobs import generate, kinds, oneclick, render, tool_kinds, tts  # noqa: F401  (registers job kinds)
        from library.media.caption_style import validate_style
        from library.services import voices
        from profiles.serializers import JSON_FIELD_VALIDATORS
        from profiles.services import PROFILE_DELETE_HOOKS, VOICE_CHECKS

        SUBSCRIPTION_USAGE["elevenlabs"] = _elevenlabs_subscription

        if voices.profile_voice_check not in VOICE_CHECKS:
            VOICE_CHECKS.append(voices.profile_voice_check)
        if voices.profile_clones_delete not in PROFILE_DELETE_HOOKS:
            PROFILE_DELETE_HOOKS.append(voices.profile_clones_delete)
        # The profile's caption style obeys the same rules as a clip's.
        JSON_FIELD_VALIDATORS["caption_style"] = validate_style


def _elevenlabs_subscription() -> dict | None:
    from django.conf import settings

    if not settings.ELEVENLABS_API_KEY:
        return None
    from library.providers.tts.elevenlabs import ElevenLabsProvider

    # Asked while an admin page renders: one attempt, a short timeout.
    usage = ElevenLabsProvider(timeout=settings.PROVIDER_REQUEST_TIMEOUT, attempts=1).subscription()
    return {
        "character_count": usage.character_count,
        "character_limit": usage.character_limit,
        "characters_left": max(usage.character_limit - usage.character_count, 0),
        "next_reset": usage.next_reset.isoformat() if usage.next_reset else None,
        "tier": usage.tier,
    }
