"""Analyses of source videos, cached per (video, provider, context) and saved as AI segments."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction

from costs import pricing
from costs.services import budget_reserve
from library.jobs.context import JobContext
from library.models import Segment, SegmentOrigin, SourceVideo, Transcript, VideoAnalysis
from library.providers.analysis import (
    AnalysisError,
    AnalysisProvider,
    Spoken,
    analyze_with_fallback,
    get_analysis_provider,
)
from library.providers.analysis.gemini import batches_for, frames_for
from library.selectors import transcript_usable
from profiles.errors import Invalid


def context_hash(context_text: str) -> str:
    normalized = " ".join((context_text or "").split()).lower()
    return hashlib.sha256(normalized.encode()).hexdigest()


def resolve_provider(name: str | None) -> Any:
    """The provider object for a request (None: the install's default). ValueError if unknown."""
    return get_analysis_provider(name or None)


def provider_for_request(name: str | None) -> Any:
    """resolve_provider for a client's choice: a provider this install cannot use (unknown, or
    gemini without a key) is the client's error, a 400 on `provider`."""
    try:
        return resolve_provider(name)
    except (ValueError, AnalysisError) as exc:
        raise Invalid({"provider": str(exc)}) from None


def _analysis_key(video: SourceVideo, context_text: str) -> str:
    """What an analysis is cached under: the context, and the transcript it listened to (a new
    or corrected transcript makes a new analysis)."""
    transcript = transcript_usable(video=video)
    if transcript is None:
        return context_hash(context_text)
    return context_hash(f"{context_text}\n\ntranscript {transcript.pk} {transcript.updated_at.isoformat()}")


def spoken_of(transcript: Transcript | None) -> Spoken | None:
    """A transcript as the analysis providers hear it."""
    if transcript is None:
        return None
    return Spoken(
        words=tuple((float(w["start"]), float(w["end"])) for w in transcript.words),
        sentences=tuple((str(s["text"]), float(s["start"]), float(s["end"])) for s in transcript.sentences),
    )


def analysis_cached(*, video: SourceVideo, provider_name: str, context_text: str) -> VideoAnalysis | None:
    return VideoAnalysis.objects.filter(
        source_video=video, provider=provider_name, context_hash=_analysis_key(video, context_text)
    ).first()


def analysis_estimate(*, video: SourceVideo, provider: AnalysisProvider, context_text: str) -> Decimal:
    """What analysing `video` would cost: nothing when cached or local."""
    if provider.name != "gemini" or analysis_cached(
        video=video, provider_name=provider.name, context_text=context_text
    ):
        return Decimal(0)
    model = getattr(provider, "model", None) or settings.GEMINI_MODEL
    # Gemini is called once per batch of frames: each request has its own prompt and answer.
    frames, batches = frames_for(video.duration), batches_for(video.duration)
    per_batch = -(-frames // batches)
    return pricing.estimate_analysis(model=model, frames=per_batch) * batches


def analysis_reserve_budget(
    *, job_id: UUID | str, video: SourceVideo, provider: AnalysisProvider, context_text: str
) -> None:
    """Paid analyses reserve their estimate before the job starts (402 when over budget).
    Call it in the transaction that creates the job. Cached or free analyses reserve nothing."""
    estimate = analysis_estimate(video=video, provider=provider, context_text=context_text)
    if estimate > Decimal(0):
        budget_reserve(job_id=job_id, operation="analysis", estimate_usd=estimate)


def analysis_summary(*, analysis: VideoAnalysis, cached: bool) -> dict[str, Any]:
    """The analyze job's result: the analysis and its scored segments, in time order.
    AI segments carry the provider's text in `description`; it is reported as the segment's notes."""
    segments = Segment.objects.filter(analysis=analysis).order_by("start", "id")
    return {
        "analysis": str(analysis.pk),
        "provider": analysis.provider,
        "model": analysis.model,
        "cached": cached,
        "notes": list(analysis.notes),
        "segments": [
            {
                "id": str(s.pk),
                "start": s.start,
                "end": s.end,
                "score": s.score,
                "keywords": list(s.keywords),
                "notes": s.notes or s.description,
            }
            for s in segments
        ],
    }


def analysis_run(
    *, ctx: JobContext, video: SourceVideo, provider_name: str | None, context_text: str
) -> tuple[VideoAnalysis, bool]:
    """The cached analysis, or a new one run now inside the job `ctx`. Returns (analysis, cached)."""
    provider = resolve_provider(provider_name)
    cached = analysis_cached(video=video, provider_name=provider.name, context_text=context_text)
    if cached is not None:
        return cached, True
    spoken = spoken_of(transcript_usable(video=video))
    result = analyze_with_fallback(
        provider,
        **({"spoken": spoken} if spoken is not None else {}),
        video_path=ctx.input_path(video.file.name),
        duration=video.duration,
        workdir=ctx.workspace,
        context_text=context_text,
        job_id=ctx.job.pk,
        on_progress=ctx.progress,
        should_cancel=ctx.is_cancelled,
    )
    ctx.check_cancelled()
    with transaction.atomic():
        # A fallback (malformed Gemini answer -> local) is cached under the provider that answered.
        analysis, created = VideoAnalysis.objects.get_or_create(
            source_video=video,
            provider=result.provider,
            context_hash=_analysis_key(video, context_text),
            defaults={"model": result.model, "notes": list(result.notes), "usage": dict(result.usage)},
        )
        if created:
            Segment.objects.bulk_create(
                [
                    Segment(
                        source_video=video,
                        analysis=analysis,
                        start=round(seg.start, 3),
                        end=round(min(seg.end, video.duration), 3),
                        score=max(0.0, min(100.0, seg.score)),
                        description=seg.description[:2000],
                        keywords=[t[:50] for t in seg.tags][:30],
                        origin=SegmentOrigin.AI,
                    )
                    for seg in result.segments
                    if seg.end - seg.start > 0.05
                ]
            )
    return analysis, False
