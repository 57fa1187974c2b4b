"""System checks with stable ids (editai.E/W...)."""

from __future__ import annotations

import os
import shutil
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_media_binaries(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems = []
    for name, binary in (("ffmpeg", settings.FFMPEG_BINARY), ("ffprobe", settings.FFPROBE_BINARY)):
        if shutil.which(binary) is None:
            problems.append(
                Warning(
                    f"{name} was not found ({binary!r}); renders and uploads will fail.",
                    hint="Install it (apt-get install ffmpeg) or set EDITAI_FFMPEG / EDITAI_FFPROBE.",
                    id="editai.W001",
                )
            )
    return problems


@register()
def check_provider_keys(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems = []
    for var in ("GEMINI_API_KEY", "ELEVENLABS_API_KEY"):
        if var in os.environ and not os.environ[var].strip():
            problems.append(
                Warning(
                    f"{var} is set but empty; the local provider will be used instead.",
                    hint=f"Unset {var} or give it a key.",
                    id="editai.W002",
                )
            )
    return problems


@register(deploy=True)
def check_production_secrets(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems = []
    if "change-me" in settings.SECRET_KEY:
        problems.append(Error("EDITAI_SECRET_KEY is the local default.", id="editai.E001"))
    if not settings.FIELD_ENCRYPTION_KEYS:
        problems.append(
            Error(
                "EDITAI_FIELD_ENCRYPTION_KEYS is not set; secrets are encrypted with a key derived from SECRET_KEY.",
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="editai.E002",
            )
        )
    return problems
