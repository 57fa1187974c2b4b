"""Choosing cut lists: which stretches of footage make each variant. Pure functions (no I/O),
so the rules are easy to test: variants reach the target length (±1 s), never overlap
themselves, and differ from one another."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from library.models import Segment

MIN_PIECE = 0.8  # seconds: shorter pieces flash by
MAX_PIECE = 3.5  # seconds: longer ones drag in a short clip
REUSE_PENALTY = 35.0  # score points a piece loses for each earlier variant that used it


@dataclass(frozen=True)
class Candidate:
    source_video: str
    start: float
    end: float
    score: float = 50.0
    segment: str | None = None
    favorite: bool = False

    @property
    def duration(self) -> float:
        return self.end - self.start

    @classmethod
    def of_segment(cls, segment: Segment) -> Candidate:
        """The one way a segment becomes a candidate: an unscored segment counts as average (50),
        a score of 0 stays 0, and a favourite stays a favourite."""
        score = segment.score if segment.score is not None else 50.0
        return cls(
            str(segment.source_video_id), segment.start, segment.end, score, str(segment.pk), segment.is_favorite
        )


@dataclass(frozen=True)
class Cut:
    source_video: str
    start: float
    end: float
    segment: str | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start

    def as_dict(self) -> dict:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _split(candidates: Sequence[Candidate], max_piece: float) -> list[Candidate]:
    """Long windows become several pieces of at most max_piece seconds, evenly."""
    pieces = []
    for cand in candidates:
        if cand.duration < MIN_PIECE:
            continue
        count = max(1, round(cand.duration / max_piece + 0.49))
        step = cand.duration / count
        pieces += [
            Candidate(
                cand.source_video,
                cand.start + i * step,
                cand.start + (i + 1) * step,
                cand.score,
                cand.segment,
                cand.favorite,
            )
            for i in range(count)
        ]
    return pieces


def _overlaps(piece: Candidate, chosen: list[Cut]) -> bool:
    return any(c.source_video == piece.source_video and piece.start < c.end and c.start < piece.end for c in chosen)


def _fill(order: Sequence[Candidate], target: float) -> list[Cut]:
    """Take pieces in the given order until the target is reached; the last one is trimmed so
    the total lands on the target."""
    chosen: list[Cut] = []
    total = 0.0
    for piece in order:
        remaining = target - total
        if remaining < MIN_PIECE / 2:
            break
        if _overlaps(piece, chosen):
            continue
        length = min(piece.duration, remaining)
        if length < MIN_PIECE and length < remaining:
            continue
        chosen.append(Cut(piece.source_video, piece.start, piece.start + length, piece.segment))
        total += length
    return chosen


def _merge(cuts: list[Cut]) -> list[Cut]:
    """Back-to-back pieces of the same video become one cut (one input fewer to decode)."""
    merged: list[Cut] = []
    for cut in cuts:
        last = merged[-1] if merged else None
        if last and last.source_video == cut.source_video and abs(last.end - cut.start) < 1e-6:
            merged[-1] = Cut(last.source_video, last.start, cut.end, last.segment)
        else:
            merged.append(cut)
    return merged


def _ranked(
    pieces: list[Candidate], *, mode: str, rng: random.Random, attempt: int, uses: dict[tuple, int]
) -> list[Candidate]:
    """best: by score, pieces used by earlier variants pushed down, a little jitter (more on each
    retry) to break ties; weighted: a seeded random draw, heavier for better pieces."""
    jitter = 5.0 + 10.0 * attempt

    def weight(piece: Candidate) -> float:
        base = piece.score + (25.0 if piece.favorite else 0.0)
        base -= REUSE_PENALTY * (1 + attempt) * uses.get((piece.source_video, piece.start), 0)
        if mode == "weighted":  # Efraimidis-Spirakis keys: a weighted draw without replacement
            return rng.random() ** (1.0 / max(base, 1.0))
        return base + rng.uniform(0, jitter)

    return sorted(pieces, key=weight, reverse=True)


def _key(cuts: list[Cut]) -> tuple:
    return tuple(sorted((c.source_video, round(c.start, 2), round(c.end, 2)) for c in cuts))


def plan_variants(
    candidates: Sequence[Candidate],
    *,
    variant_count: int,
    target: float,
    mode: str = "best",
    seed: int = 0,
    max_piece: float = MAX_PIECE,
) -> list[list[Cut]]:
    """`variant_count` cut lists of about `target` seconds.

    Modes: best (highest scores first, pieces used by earlier variants penalised), weighted
    (seeded random draw favouring score and favourites), random (seeded shuffle), sequential
    (the candidates' own order, each variant starting further along).
    """
    if mode == "sequential":
        pieces = list(_split(candidates, max_piece))
    else:
        pieces = sorted(_split(candidates, max_piece), key=lambda c: (c.source_video, c.start))
    if not pieces:
        return []
    uses: dict[tuple, int] = {}
    seen: set[tuple] = set()
    variants: list[list[Cut]] = []
    for index in range(variant_count):
        rng = random.Random(seed * 1000 + index)  # noqa: S311 (reproducible choices, not secrets)
        for attempt in range(8):
            if mode == "sequential":
                offset = (index + attempt) % len(pieces)
                order = pieces[offset:] + pieces[:offset]
            elif mode == "random":
                order = pieces[:]
                rng.shuffle(order)
            else:
                order = _ranked(pieces, mode=mode, rng=rng, attempt=attempt, uses=uses)
            cuts = _fill(order, target)
            if _key(cuts) not in seen or attempt == 7:
                break
        if mode != "sequential":
            cuts.sort(key=lambda c: (c.source_video, c.start))  # tell the story in order
        cuts = _merge(cuts)
        seen.add(_key(cuts))
        for cut in cuts:
            for piece in pieces:
                if piece.source_video == cut.source_video and piece.start <= cut.start < piece.end:
                    uses[(piece.source_video, piece.start)] = uses.get((piece.source_video, piece.start), 0) + 1
        variants.append(cuts)
    return variants


def total(cuts: Sequence[Cut]) -> float:
    return sum(c.duration for c in cuts)
