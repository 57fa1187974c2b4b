"""The analysis interface: a provider looks at a video and returns scored segments.

Providers are adapters (STYLE.md §6): typed results, one error class with `retryable`, a
mandatory timeout. The job layer calls them inside the job's profile scope with the job's
workspace as `workdir`; cost entries are recorded by the provider, once per billed call.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from library.providers.errors import ProviderError

MIN_SEGMENT_SECONDS = 0.5  # shorter pieces are useless in a clip


@dataclass(frozen=True)
class ScoredSegment:
    start: float
    end: float
    score: float  # 0..100, higher is more worth using
    description: str = ""
    tags: tuple[str, ...] = ()

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Analysis:
    provider: str
    model: str
    segments: list[ScoredSegment]
    usage: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Spoken:
    """What is said in the video (its transcript), for providers that listen: word times and
    sentences (text, start, end), in seconds of the video."""

    words: tuple[tuple[float, float], ...] = ()
    sentences: tuple[tuple[str, float, float], ...] = ()


class AnalysisError(ProviderError):
    """The analysis failed. `retryable`: trying again later may succeed (rate limit, outage,
    timeout); otherwise the same request will fail again (bad key, bad request)."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message, retryable=retryable, retry_after=retry_after)


class MalformedAnswer(AnalysisError):
    """The provider answered, but not with usable segments (not JSON, wrong shape, times outside
    the video). analyze_with_fallback replaces such an answer with the local analysis."""


class AnalysisProvider(Protocol):
    name: str

    def analyze(
        self,
        *,
        video_path: Path,
        duration: float,
        workdir: Path,
        context_text: str = "",
        job_id: uuid.UUID | str | None = None,
        on_progress: Callable[[float], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
        spoken: Spoken | None = None,
    ) -> Analysis: ...


def _clamped(segment: ScoredSegment, duration: float) -> ScoredSegment | None:
    values = (segment.start, segment.end, segment.score)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        return None
    start = round(min(max(segment.start, 0.0), duration), 3)
    end = round(min(max(segment.end, 0.0), duration), 3)
    if end - start < min(MIN_SEGMENT_SECONDS, duration / 2):
        return None
    score = round(min(max(float(segment.score), 0.0), 100.0), 1)
    return ScoredSegment(start, end, score, segment.description.strip(), tuple(dict.fromkeys(segment.tags)))


def _free_parts(start: float, end: float, taken: list[tuple[float, float]]) -> list[tuple[float, float]]:
    parts = [(start, end)]
    for t_start, t_end in taken:
        parts = [
            piece
            for p_start, p_end in parts
            for piece in ((p_start, min(p_end, t_start)), (max(p_start, t_end), p_end))
            if piece[1] > piece[0]
        ]
    return parts


def normalize_segments(segments: Iterable[ScoredSegment], duration: float) -> list[ScoredSegment]:
    """Well-formed segments: clamped to [0, duration], score in 0..100, no overlaps, by start.

    Where segments overlap, the better-scored one keeps the overlap and the other keeps its
    longest free part (if that is still long enough to use)."""
    candidates = [c for c in (_clamped(s, duration) for s in segments) if c is not None]
    candidates.sort(key=lambda s: (-s.score, s.start))
    kept: list[ScoredSegment] = []
    for segment in candidates:
        parts = _free_parts(segment.start, segment.end, [(k.start, k.end) for k in kept])
        if not parts:
            continue
        start, end = max(parts, key=lambda p: p[1] - p[0])
        if end - start >= min(MIN_SEGMENT_SECONDS, segment.length):
            kept.append(ScoredSegment(start, end, segment.score, segment.description, segment.tags))
    return sorted(kept, key=lambda s: s.start)
