"""Speech to text behind one interface: `get_stt_provider(name).transcribe(...)` -> Transcription.

    provider = get_stt_provider("local")          # or "elevenlabs"; None: local
    provider.check_request(language="de")         # STTError(400) before any job exists
    heard = provider.transcribe(audio=wav, duration=..., language=None, prompt_words=[...],
                                job_id=job.pk, progress=ctx.progress)

Local (faster-whisper) is the default and costs nothing; ElevenLabs is used only when asked for.
Run inside the job's profile scope: a paid provider records its cost entry there.
"""

from __future__ import annotations

from library.providers.stt.base import HeardWord, STTError, STTProvider, Transcription, languages

PROVIDERS = ("local", "elevenlabs")

__all__ = ["PROVIDERS", "HeardWord", "STTError", "STTProvider", "Transcription", "get_stt_provider", "languages"]


def get_stt_provider(name: str | None = None) -> STTProvider:
    """ "local", "elevenlabs", or None/"" for local. An unknown name is a ValueError."""
    if not name or name == "local":
        from library.providers.stt.local import LocalSTTProvider

        return LocalSTTProvider()
    if name == "elevenlabs":
        from library.providers.stt.elevenlabs import ElevenLabsSTTProvider

        return ElevenLabsSTTProvider()
    raise ValueError(f"unknown transcription provider {name!r}; known: {list(PROVIDERS)}")
