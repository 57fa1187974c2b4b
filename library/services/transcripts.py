"""Transcripts: what is said in a source video, one per video (transcribing again replaces it).

Request side: `transcript_start` validates (provider, language, the video has sound) and creates
the "transcribe" job, reserving a paid provider's estimate; `transcript_auto_start` is the job an
upload with sound gets when EDITAI_AUTO_TRANSCRIBE is on. Job side: `transcript_create` extracts
the audio into the job's workspace, transcribes it and stores the tidied words and sentences
(library.spoken). `transcript_correct` applies a client's word corrections.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from costs import pricing
from costs.services import budget_reserve
from library import spoken
from library.jobs.context import JobContext
from library.jobs.registry import JobError
from library.media import audio as audio_graphs
from library.models import Job, JobOrigin, Project, SourceVideo, Transcript
from library.providers.stt import PROVIDERS, STTError, get_stt_provider
from library.services.jobs import job_create
from profiles.errors import Invalid, Missing

WHISPER_RATE = 16_000  # what every recogniser takes; a small file to send
MAX_CORRECTION_CHARS = 100


def _provider(name: str | None) -> str:
    name = name or "local"
    if name not in PROVIDERS:
        raise Invalid({"provider": f"Unknown provider {name!r}; choose one of {list(PROVIDERS)}."})
    return name


@transaction.atomic
def transcript_start(
    *, video: SourceVideo, provider: str | None = None, language: str | None = None, context_text: str | None = None
) -> Job:
    """The "transcribe" job for `video` (202). Refused at once (400) for a video without sound,
    a language the model cannot do, or a provider this install cannot use; a paid provider's
    estimate is reserved (402 over the monthly budget)."""
    name = _provider(provider)
    if not video.has_audio:
        raise Invalid({"source_video": "This video has no audio track: there is nothing to transcribe."})
    try:
        stt = get_stt_provider(name)
        stt.check_request(language=language)
    except STTError as exc:
        raise Invalid({exc.field: exc.message}) from None
    params = {"provider": name, "language": (language or "").strip().lower() or None}
    if context_text is not None:
        params["context_text"] = context_text
    job = job_create(kind="transcribe", source_video=video, params=params)
    estimate = pricing.estimate_transcription(provider=name, model=stt.model, seconds=video.duration)
    if estimate > Decimal(0):
        budget_reserve(job_id=job.pk, operation="transcription", estimate_usd=estimate)
    return job


def transcript_auto_start(*, video: SourceVideo) -> Job | None:
    """After an upload: a local transcription job for a video with sound (EDITAI_AUTO_TRANSCRIBE).
    Started by the system, so it never fills the client's queue allowance."""
    if not (settings.AUTO_TRANSCRIBE and video.has_audio):
        return None
    return job_create(kind="transcribe", source_video=video, origin=JobOrigin.SYSTEM, params={"provider": "local"})


def _context_text(video: SourceVideo, given: str | None) -> str:
    """The product description to take names from: the one given, else those of the projects
    made from this video (newest first)."""
    if given is not None:
        return given
    texts = Project.objects.filter(source_video=video).exclude(context_text="").values_list("context_text", flat=True)
    return "\n".join(texts[:5])


def transcript_create(
    *,
    ctx: JobContext,
    video: SourceVideo,
    provider: str | None = None,
    language: str | None = None,
    context_text: str | None = None,
) -> Transcript:
    """Transcribe `video` and store the result as its one Transcript (replacing any before).
    Music or noise gives a transcript with no words, marked unreliable."""
    stt = get_stt_provider(_provider(provider))
    wav = ctx.workspace / "speech.wav"
    ctx.step(0.0, 0.15).ffmpeg(
        audio_graphs.speech_wav(ctx.input_path(video.file.name), wav, sample_rate=WHISPER_RATE),
        duration=video.duration,
    )
    step = ctx.step(0.15, 0.95)

    def progress(fraction: float) -> None:
        ctx.check_cancelled()
        step.progress(fraction)

    heard = stt.transcribe(
        audio=wav, duration=video.duration, language=language, job_id=ctx.job.pk, progress=progress,
        prompt_words=spoken.product_words(_context_text(video, context_text)),
    )  # fmt: skip
    ctx.check_cancelled()
    words = spoken.words_normalized(heard.words, duration=heard.duration or video.duration)
    return _save(video=video, words=words, fields={
        "provider": heard.provider, "model": heard.model[:200], "language": heard.language[:16],
        "duration": round(heard.duration, 3), "corrected_at": None,
    })  # fmt: skip


def _derived(words: list[spoken.Word]) -> dict[str, Any]:
    mean = spoken.mean_probability(words)
    return {
        "words": words,
        "text": " ".join(w["text"] for w in words),
        "sentences": spoken.sentences_of(words),
        "mean_probability": mean,
        "reliable": bool(words) and mean is not None and mean >= settings.TRANSCRIPT_MIN_PROBABILITY,
    }


@transaction.atomic
def _save(*, video: SourceVideo, words: list[spoken.Word], fields: dict[str, Any]) -> Transcript:
    # The video's row is locked: two transcriptions of one video finish one after the other.
    if not SourceVideo.objects.select_for_update().filter(pk=video.pk).exists():
        raise JobError("The source video was deleted.")
    transcript = Transcript.objects.filter(source_video=video).first() or Transcript(source_video=video)
    for name, value in {**fields, **_derived(words)}.items():
        setattr(transcript, name, value)
    transcript.full_clean()
    transcript.save()
    return transcript


def transcript_result(transcript: Transcript) -> dict[str, Any]:
    """The transcribe job's result: a summary (the words are at the transcript's route)."""
    return {
        "transcript": str(transcript.pk), "provider": transcript.provider, "model": transcript.model,
        "language": transcript.language, "words": len(transcript.words), "sentences": len(transcript.sentences),
        "mean_probability": transcript.mean_probability, "reliable": transcript.reliable,
        "duration": transcript.duration,
    }  # fmt: skip


@transaction.atomic
def transcript_correct(*, transcript: Transcript, words: list[dict[str, Any]]) -> Transcript:
    """Corrections {index, text} by the index of the word in the transcript as it is now (all
    applied at once): the new text replaces the word's, keeping its times, and counts as certain
    (probability 1); an empty text removes the word. Text and sentences are rebuilt.

    The caller's object may be stale (read before any lock): under the video's lock (the one a
    transcription takes to save) the stored words are read again and corrected, so a correction
    made meanwhile is kept, and the indexes are checked against the words stored now."""
    if not SourceVideo.objects.select_for_update().filter(pk=transcript.source_video_id).exists():
        raise Missing("The source video was deleted.")
    stored = Transcript.objects.filter(pk=transcript.pk).first()
    if stored is None:
        raise Missing("The transcript was deleted.")
    current = [dict(w) for w in stored.words]
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for position, item in enumerate(words):
        index, text = item.get("index"), item.get("text")
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(current):
            errors[str(position)] = f"index must be a word's index, 0 to {len(current) - 1}; got {index!r}."
        elif index in seen:
            errors[str(position)] = f"word {index} is corrected twice."
        elif not isinstance(text, str) or len(text.strip()) > MAX_CORRECTION_CHARS:
            errors[str(position)] = f"text must be a string of at most {MAX_CORRECTION_CHARS} characters."
        else:
            seen.add(index)
            current[index].update(text=text.strip(), probability=1.0)
    if errors or not words:
        raise Invalid({"words": errors or "Give at least one correction {index, text}."})
    kept = [w for w in current if w["text"]]
    return _save(video=stored.source_video, words=kept, fields={"corrected_at": timezone.now()})


def transcript_subtitles(*, transcript: Transcript, fmt: str) -> str:
    return spoken.subtitles(transcript.words, fmt=fmt)
