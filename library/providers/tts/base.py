"""What every text-to-speech provider returns, and its one error type."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from library.providers.errors import ProviderError
from profiles.tenancy import ScopeError, current_profile


@dataclass(frozen=True)
class WordTiming:
    word: str  # as written in the text, punctuation attached
    start: float  # seconds in the audio
    end: float


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    provider: str
    language: str | None = None
    labels: dict = field(default_factory=dict)
    # True: a voice the provider offers every account (espeak-ng's, ElevenLabs' premade and Voice
    # Library voices). False: the account's own (a clone): usable only by the profile it is
    # recorded for (library.ClonedVoice).
    stock: bool = True


@dataclass(frozen=True)
class Speech:
    audio_path: Path
    duration: float  # seconds, measured on the written file
    words: list[WordTiming]
    provider: str
    model: str
    voice_id: str
    characters: int
    cached: bool = False  # replayed from the profile's voiceover cache: no provider call, no cost


class TTSError(ProviderError):
    """Anything a TTS provider could not do. `message` is fit to show the store operator (never a
    key); `retryable` says whether the same request may work later; `status` is the provider's
    HTTP status, or 400 for input we refused before calling anyone, or None (timeouts, network)."""

    def __repr__(self) -> str:
        return f"TTSError({self.message!r}, retryable={self.retryable}, status={self.status})"


def bad_input(message: str) -> TTSError:
    return TTSError(message, retryable=False, status=400)


def require_scope() -> None:
    """Speech is billed to the current profile: fail before doing (or paying for) any work."""
    if current_profile() is None:
        raise ScopeError("text-to-speech runs inside a profile scope")


class TTSProvider(Protocol):
    name: str

    def synthesize(
        self,
        *,
        text: str,
        out_dir: Path,
        voice_id: str | None = None,
        model: str | None = None,
        voice_settings: dict | None = None,
        job_id: uuid.UUID | str | None = None,
    ) -> Speech: ...

    def voices(self, *, deadline: float | None = None) -> list[Voice]: ...

    def valid_voice_id(self, voice_id: str) -> bool:
        """Whether `voice_id` has the provider's id format: checked before it reaches a URL or a
        command line, and before any list of voices is fetched."""
        ...
