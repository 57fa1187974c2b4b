"""System checks with stable ids (editai.E/W...)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register()
def check_media_binaries(app_configs: Sequence[AppConfig] | None = None, **kwargs: object) -> Sequence[CheckMessage]:
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
def check_provider_keys(app_configs: Sequence[AppConfig] | None = None, **kwargs: object) -> Sequence[CheckMessage]:
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


_S3_OPTIONAL = ("S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION", "S3_PREFIX",
                "S3_ADDRESSING_STYLE")  # fmt: skip


@register()
def check_object_storage(app_configs: Sequence[AppConfig] | None = None, **kwargs: object) -> Sequence[CheckMessage]:
    """Half an S3 configuration silently keeps media on local disk, or fails at the first upload."""
    given = [var for var in _S3_OPTIONAL if os.environ.get(var, "").strip()]
    if not settings.S3_BUCKET:
        if not given:
            return []
        return [
            Warning(
                f"{', '.join(given)} set but S3_BUCKET is empty: media stays on local disk.",
                hint="Set S3_BUCKET to use object storage, or unset the other S3_* settings.",
                id="editai.W010",
            )
        ]
    if bool(settings.S3_ACCESS_KEY_ID) != bool(settings.S3_SECRET_ACCESS_KEY):
        missing = "S3_SECRET_ACCESS_KEY" if settings.S3_ACCESS_KEY_ID else "S3_ACCESS_KEY_ID"
        return [
            Warning(
                f"S3_BUCKET is set with only one of the two keys: {missing} is empty.",
                hint="Set both keys, or neither (boto3's own credentials: instance role, AWS_* variables).",
                id="editai.W010",
            )
        ]
    return []


@register(Tags.security)
def check_production_secrets(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: object
) -> Sequence[CheckMessage]:
    """With DEBUG off these are errors, so runserver, qcluster and (through editai.wsgi) gunicorn
    refuse to start on a key anyone can read in this repository."""
    if settings.DEBUG:
        return []
    problems = []
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or "change-me" in settings.SECRET_KEY.lower():
        problems.append(
            Error(
                "EDITAI_SECRET_KEY is the local development key (or a placeholder) and DEBUG is off.",
                hint="Set EDITAI_SECRET_KEY to a long random value, e.g. python -c 'from "
                "django.core.management.utils import get_random_secret_key; print(get_random_secret_key())'; "
                "for local work set EDITAI_DEBUG=1 instead (make run does).",
                id="editai.E001",
            )
        )
    if not settings.FIELD_ENCRYPTION_KEYS:
        problems.append(
            Error(
                "EDITAI_FIELD_ENCRYPTION_KEYS is not set and DEBUG is off; secrets at rest would be "
                "encrypted with a key derived from SECRET_KEY.",
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="editai.E002",
            )
        )
    return problems


def refuse_insecure_start() -> None:
    """For servers that run no system checks themselves (gunicorn loads editai.wsgi): the same
    errors stop the process before it serves anything."""
    errors = [problem for problem in check_production_secrets() if problem.is_serious()]
    if errors:
        raise ImproperlyConfigured("; ".join(f"({e.id}) {e.msg} {e.hint or ''}".strip() for e in errors))
