from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"

    def ready(self) -> None:
        from library import handlers  # noqa: F401  (registers the library's job kinds)
        from library.media.caption_style import validate_style
        from library.services import voices
        from profiles.serializers import JSON_FIELD_VALIDATORS
        from profiles.services import PROFILE_DELETE_HOOKS, VOICE_CHECKS

        if voices.profile_voice_check not in VOICE_CHECKS:
            VOICE_CHECKS.append(voices.profile_voice_check)
        if voices.profile_clones_delete not in PROFILE_DELETE_HOOKS:
            PROFILE_DELETE_HOOKS.append(voices.profile_clones_delete)
        # The profile's caption style obeys the same rules as a clip's.
        JSON_FIELD_VALIDATORS["caption_style"] = validate_style
