"""The stand-alone TTS job: text -> an audio file (the job's output) plus word timings."""

from __future__ import annotations

from typing import Any

from library.jobs.registry import JobError, job_kind
from library.jobs.runner import JobContext
from library.providers.tts import TTSError, get_tts_provider
from library.services.voices import tts_provider_name, voice_refusal
from profiles.models import Profile


@job_kind("tts")
def tts(ctx: JobContext) -> dict[str, Any]:
    params = ctx.job.params
    profile = Profile.objects.get(pk=ctx.job.profile_id)
    settings = profile.tts_settings or {}
    provider = params.get("provider") or tts_provider_name(profile)
    voice_id = params.get("voice_id") or profile.tts_voice_id or None
    if refusal := voice_refusal(provider=provider, voice_id=voice_id):
        raise JobError(refusal)
    try:
        speech = get_tts_provider(provider).synthesize(
            text=params["text"], out_dir=ctx.workspace, voice_id=voice_id, model=settings.get("model"),
            voice_settings=settings.get("voice_settings"), job_id=ctx.job.pk,
        )  # fmt: skip
    except TTSError as exc:
        raise JobError(f"Speech synthesis failed: {exc.message}") from None
    ctx.set_output(speech.audio_path, f"voiceover{speech.audio_path.suffix}")
    return {
        "provider": speech.provider,
        "model": speech.model,
        "voice_id": speech.voice_id,
        "duration": round(speech.duration, 3),
        "characters": speech.characters,
        "words": [{"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3)} for w in speech.words],
    }
