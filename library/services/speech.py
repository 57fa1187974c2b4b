"""Speech for a running job: the voice check, then one synthesis, with the provider's failure
turned into a JobError the user reads. Used by the "tts" job, the final render's voiceover and
the voiceover tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from library.jobs.context import JobContext
from library.jobs.registry import JobError
from library.providers.tts import Speech, TTSError, get_tts_provider
from library.services.voices import tts_provider_name, voice_refusal
from profiles.models import Profile


def speech_synthesize(
    ctx: JobContext,
    *,
    profile: Profile,
    provider: str,
    voice_id: str | None,
    text: str,
    out_dir: Path,
    label: str = "",
) -> Speech:
    """`text` spoken by `voice_id` of `provider`, with the profile's model and voice settings.
    A refused voice or a provider error is a JobError, prefixed with `label` when given."""
    settings = profile.tts_settings or {}
    if refusal := voice_refusal(provider=provider, voice_id=voice_id):
        raise JobError(f"{label}: {refusal}" if label else refusal)
    try:
        return get_tts_provider(provider).synthesize(
            text=text, out_dir=out_dir, voice_id=voice_id, model=settings.get("model"),
            voice_settings=settings.get("voice_settings"), job_id=ctx.job.pk,
        )  # fmt: skip
    except TTSError as exc:
        raise JobError(f"{label or 'Speech synthesis failed'}: {exc.message}") from None


def speech_job_run(ctx: JobContext, *, profile: Profile, params: dict[str, Any]) -> dict[str, Any]:
    """The "tts" job: text -> an audio file (the job's output) plus word timings."""
    speech = speech_synthesize(
        ctx, profile=profile, provider=params.get("provider") or tts_provider_name(profile),
        voice_id=params.get("voice_id") or profile.tts_voice_id or None, text=params["text"], out_dir=ctx.workspace,
    )  # fmt: skip
    ctx.set_output(speech.audio_path, f"voiceover{speech.audio_path.suffix}")
    return {
        "provider": speech.provider,
        "model": speech.model,
        "voice_id": speech.voice_id,
        "duration": round(speech.duration, 3),
        "characters": speech.characters,
        "words": [{"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3)} for w in speech.words],
    }
