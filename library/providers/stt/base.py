"""What every speech-to-text provider returns, and its one error type."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from library.providers.errors import ProviderError

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


@functools.cache
def languages() -> frozenset[str]:
    """The ISO 639-1 codes Whisper knows (ElevenLabs takes these too, and ISO 639-3). Imported
    when first needed: faster-whisper is slow to import and web requests rarely need it."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


@dataclass(frozen=True)
class HeardWord:
    text: str  # as transcribed, punctuation attached
    start: float | None  # seconds in the audio; None when the provider gave no time
    end: float | None
    probability: float | None  # 0..1; None when the provider gives none


@dataclass(frozen=True)
class Transcription:
    words: list[HeardWord]
    language: str
    provider: str
    model: str
    duration: float  # seconds of audio heard


class STTError(ProviderError):
    """Anything a speech-to-text provider could not do. `message` is fit to show the store
    operator; `status` is 400 for a request refused before any work, and `field` then names the
    request's field at fault ("language", "provider")."""

    field = "provider"


def bad_input(message: str, *, field: str = "provider") -> STTError:
    error = STTError(message, retryable=False, status=400)
    error.field = field
    return error


def checked_language(language: str | None) -> str | None:
    """A known language code, lower-cased, or None for "detect it"; STTError(400) otherwise."""
    if language is None or not language.strip():
        return None
    code = language.strip().lower()
    if not LANGUAGE_CODE.fullmatch(code) or (len(code) == 2 and code not in languages()):
        raise bad_input(
            f"{language[:20]!r} is not a language code this install knows (e.g. en, de, fr).", field="language"
        )
    return code


class STTProvider(Protocol):
    name: str

    @property
    def model(self) -> str: ...

    def check_request(self, *, language: str | None) -> None:
        """Refuse (STTError 400) what this provider and model cannot do, before a job exists."""

    def transcribe(
        self,
        *,
        audio: Path,
        duration: float,
        language: str | None = None,
        prompt_words: list[str] | None = None,
        job_id: uuid.UUID | str | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> Transcription:
        """The words heard in `audio` (16 kHz mono WAV), in spoken order. `progress(fraction)`
        is called as the work advances and may raise to stop it (a cancelled job)."""
        ...
