"""Video analysis providers behind one interface (base.AnalysisProvider).

    provider = get_analysis_provider()            # gemini with a key, else local
    analysis = analyze_with_fallback(provider, video_path=..., duration=..., workdir=...,
                                     context_text=project.context_text, job_id=job.pk, ...)

Run inside the job's profile scope: providers record their cost entries there. Failures raise
AnalysisError (`.retryable`, `.message`); cancellation raises library.media.ffmpeg.Cancelled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.conf import settings

from library.providers.analysis.base import (
    Analysis,
    AnalysisError,
    AnalysisProvider,
    MalformedAnswer,
    ScoredSegment,
    Spoken,
    normalize_segments,
)
from library.providers.analysis.gemini import GeminiAnalysisProvider, batches_for, frames_for
from library.providers.analysis.local import LocalAnalysisProvider

PROVIDERS = ("local", "gemini")

__all__ = [
    "PROVIDERS",
    "Analysis",
    "AnalysisError",
    "AnalysisProvider",
    "GeminiAnalysisProvider",
    "LocalAnalysisProvider",
    "MalformedAnswer",
    "ScoredSegment",
    "Spoken",
    "analyze_with_fallback",
    "batches_for",
    "default_provider_name",
    "frames_for",
    "get_analysis_provider",
]


def default_provider_name() -> str:
    return "gemini" if settings.GEMINI_API_KEY else "local"


def get_analysis_provider(name: str | None = None) -> AnalysisProvider:
    """ "local", "gemini", or None for the automatic choice (gemini when GEMINI_API_KEY is set).
    Unknown names raise ValueError; "gemini" without a key raises AnalysisError."""
    chosen = name or default_provider_name()
    if chosen == "local":
        return LocalAnalysisProvider()
    if chosen == "gemini":
        return GeminiAnalysisProvider.from_settings()
    raise ValueError(f"unknown analysis provider {name!r}; choose one of {list(PROVIDERS)}")


def _rising(on_progress: Callable[[float], None] | None, start: float) -> Callable[[float], None] | None:
    """Progress of a second attempt, mapped after what the first one already reported."""
    if on_progress is None:
        return None
    return lambda fraction: on_progress(start + (1 - start) * fraction)


def analyze_with_fallback(provider: AnalysisProvider, **kwargs: Any) -> Analysis:
    """`provider.analyze(**kwargs)`, with well-formed segments. When the provider answered but
    not usably (MalformedAnswer), the local analysis runs instead and says so in `notes`. Other
    failures (bad key, rate limits and outages that outlasted the retries, timeouts) are raised:
    the job fails with a clear error rather than quietly changing provider."""
    reported = [0.0]
    on_progress = kwargs.get("on_progress")
    if on_progress is not None:

        def track(fraction: float) -> None:
            reported[0] = max(reported[0], fraction)
            on_progress(reported[0])

        kwargs["on_progress"] = track
    try:
        result = provider.analyze(**kwargs)
    except MalformedAnswer as exc:
        if provider.name == "local":
            raise
        local_kwargs = {**kwargs, "on_progress": _rising(on_progress, reported[0])}
        result = LocalAnalysisProvider().analyze(**local_kwargs)
        label = provider.name.capitalize()
        note = f"{label}'s answer was malformed ({exc.message}); used local analysis instead"
        return dataclasses.replace(result, notes=[note, *result.notes])
    return dataclasses.replace(result, segments=normalize_segments(result.segments, kwargs["duration"]))
