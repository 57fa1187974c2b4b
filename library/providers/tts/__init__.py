"""Text to speech behind one interface: `get_tts_provider(name).synthesize(...)` -> Speech."""

from __future__ import annotations

from django.conf import settings

from library.providers.tts.base import Speech, TTSError, TTSProvider, Voice, WordTiming

PROVIDERS = ("espeak", "elevenlabs")

__all__ = ["PROVIDERS", "Speech", "TTSError", "TTSProvider", "Voice", "WordTiming", "get_tts_provider"]


def get_tts_provider(name: str | None = None) -> TTSProvider:
    """ "espeak", "elevenlabs", or None/"" for automatic: ElevenLabs when a key is configured,
    espeak-ng otherwise. An unknown name is a ValueError (a programming or settings mistake)."""
    if not name:
        name = "elevenlabs" if settings.ELEVENLABS_API_KEY else "espeak"
    if name == "espeak":
        from library.providers.tts.espeak import EspeakProvider

        return EspeakProvider()
    if name == "elevenlabs":
        from library.providers.tts.elevenlabs import ElevenLabsProvider

        return ElevenLabsProvider()
    raise ValueError(f"unknown TTS provider {name!r}; known: {list(PROVIDERS)}")
