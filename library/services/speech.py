"""Speech for a running job: the voice check, then the profile's voiceover cache or one
synthesis, with the provider's failure turned into a JobError the user reads. Used by the "tts"
job, the final render's voiceover (and its preview) and the voiceover tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from library.jobs.context import JobContext
from library.jobs.registry import JobError
from library.providers.tts import Speech, TTSError, get_tts_provider
from library.services.voiceovers import voiceover_key, voiceover_lock, voiceover_replay, voiceover_store
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
    A refused voice or a provider error is a JobError, prefixed with `label` when given. Spoken
    once per profile: the same text, voice, model and settings again is replayed from the
    profile's voiceover cache, without calling (or paying) the provider."""
    settings = profile.tts_settings or {}
    # First, cache or not: a voice deleted since, or not the profile's, is refused.
    if refusal := voice_refusal(provider=provider, voice_id=voice_id):
        raise JobError(f"{label}: {refusal}" if label else refusal)
    model, voice_settings = settings.get("model"), settings.get("voice_settings")
    key = voiceover_key(provider=provider, model=model, voice_id=voice_id, voice_settings=voice_settings, text=text)
    with voiceover_lock(key, check=ctx.check_cancelled):
        if (cached := voiceover_replay(key=key, out_dir=out_dir)) is not None:
            return cached
        try:
            speech = get_tts_provider(provider).synthesize(
                text=text, out_dir=out_dir, voice_id=voice_id, model=model, voice_settings=voice_settings,
                job_id=ctx.job.pk,
            )  # fmt: skip
        except TTSError as exc:  # not cached: the next attempt asks the provider again
            raise JobError(f"{label or 'Speech synthesis failed'}: {exc.message}") from None
        voiceover_store(key=key, speech=speech)
    return speech


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
        "cached": speech.cached,
        "words": [{"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3)} for w in speech.words],
    }
