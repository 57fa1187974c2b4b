"""Choosing cut lists: which stretches of footage make each variant. Pure functions (no I/O),
so the rules are easy to test: variants reach the target length (±1 s), never overlap
themselves, and differ from one another.

Where a source video has speech (`Speech`, from its transcript), its footage is cut on what is
said: every sentence is one whole piece (never split, never trimmed), edged a small margin
outside its first and last word, and only the silent stretches between sentences are cut
freely. A variant may then run up to SENTENCE_SLACK over or under its target to stay on
sentences."""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from library.models import Segment

MIN_PIECE = 0.8  # seconds: shorter pieces flash by
MAX_PIECE = 3.5  # seconds: longer ones drag in a short clip
REUSE_PENALTY = 35.0  # score points a piece loses for each earlier variant that used it
SENTENCE_SLACK = 0.2  # a variant cut on sentences may run this share over or under its target
MIN_SENTENCE_PIECE = 0.3  # seconds: a shorter sentence piece ("Yes.") is left out
PAUSE_SENTENCE = 0.7  # seconds of silence that end a sentence when the transcript has none
UNSEEN_SCORE = 30.0  # the picture's score where speech runs over footage the analysis left out


@dataclass(frozen=True)
class Candidate:
    source_video: str
    start: float
    end: float
    score: float = 50.0
    segment: str | None = None
    favorite: bool = False
    whole: bool = False  # a sentence: used whole or not at all

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


@dataclass(frozen=True)
class Sentence:
    start: float
    end: float
    bonus: float = 0.0  # score points its words earn (product keywords, a question, a number)


@dataclass(frozen=True)
class Speech:
    """What is said in one source video, for cutting: its words' and sentences' times (source
    seconds) and the margin kept around words so that no cut clips one."""

    words: tuple[tuple[float, float], ...]
    sentences: tuple[Sentence, ...]
    margin: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", tuple(sorted((float(a), float(max(a, b))) for a, b in self.words)))

    def edges(self, first: int, last: int) -> tuple[float, float]:
        """Where a piece holding words first..last starts and ends: `margin` outside them, but
        never past the middle of the pause to the neighbouring word (nor before 0)."""
        words = self.words
        start = words[first][0] - self.margin
        if first > 0:
            start = max(start, (words[first - 1][1] + words[first][0]) / 2)
        end = words[last][1] + self.margin
        if last + 1 < len(words):
            end = min(end, (words[last][1] + words[last + 1][0]) / 2)
        return max(start, 0.0), end

    def spans(self, max_length: float) -> list[tuple[int, int, float]]:
        """The sentences as (first word, last word, bonus); one longer than `max_length` is
        split at its longest pauses between words (a clause boundary, never inside a word)."""
        starts = [w[0] for w in self.words]
        out: list[tuple[int, int, float]] = []
        for sentence in self.sentences or self._pause_sentences():
            first = max(bisect.bisect_right(starts, sentence.start) - 1, 0)
            while first < len(self.words) and self.words[first][1] <= sentence.start:
                first += 1
            if out:
                first = max(first, out[-1][1] + 1)
            last = bisect.bisect_left(starts, sentence.end) - 1
            if first > last:
                continue
            out += [(a, b, sentence.bonus) for a, b in self._split_span(first, last, max_length)]
        return out

    def _pause_sentences(self) -> list[Sentence]:
        """Sentences for words that came without any: runs of words between pauses."""
        out: list[Sentence] = []
        for start, end in self.words:
            if out and start - out[-1].end < PAUSE_SENTENCE:
                out[-1] = Sentence(out[-1].start, end)
            else:
                out.append(Sentence(start, end))
        return out

    def _split_span(self, first: int, last: int, max_length: float) -> list[tuple[int, int]]:
        if last == first or self.words[last][1] - self.words[first][0] <= max_length:
            return [(first, last)]
        gap = max(range(first, last), key=lambda i: self.words[i + 1][0] - self.words[i][1])
        return self._split_span(first, gap, max_length) + self._split_span(gap + 1, last, max_length)

    def busy(self) -> list[tuple[float, float]]:
        """Stretches no cut may fall in: each sentence piece, and every word with its margin."""
        zones = [self.edges(a, b) for a, b, _ in self.spans(float("inf"))]
        zones += [(max(a - self.margin, 0.0), b + self.margin) for a, b in self.words]
        merged: list[tuple[float, float]] = []
        for a, b in sorted(zones):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged


def _covered_score(start: float, end: float, candidates: Sequence[Candidate]) -> float:
    """The picture's score over [start, end): the candidates' scores weighted by how much of it
    each covers; footage no candidate covers counts UNSEEN_SCORE."""
    weighted, covered = 0.0, 0.0
    for cand in candidates:
        overlap = min(end, cand.end) - max(start, cand.start)
        if overlap > 0:
            weighted += overlap * cand.score  # a favourite's own bonus comes in the ranking
            covered += overlap
    length = max(end - start, 1e-6)
    return (weighted + max(length - covered, 0.0) * UNSEEN_SCORE) / length


def _silent_parts(cand: Candidate, busy: Sequence[tuple[float, float]]) -> list[Candidate]:
    parts, cursor = [], cand.start
    for a, b in busy:
        if b <= cursor or a >= cand.end:
            continue
        if a > cursor:
            parts.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < cand.end:
        parts.append((cursor, cand.end))
    return [
        Candidate(cand.source_video, a, b, cand.score, cand.segment, cand.favorite)
        for a, b in parts
        if b - a >= MIN_PIECE
    ]


def speech_candidates(
    candidates: Sequence[Candidate], speech: Mapping[str, Speech], *, max_sentence: float
) -> list[Candidate]:
    """The candidates re-cut on what is said: for each video with speech, one whole piece per
    sentence (scored by the picture under it plus the sentence's bonus) and the silent rest of
    the candidates; videos without speech keep their candidates."""
    out: list[Candidate] = []
    by_video: dict[str, list[Candidate]] = {}
    for cand in candidates:
        by_video.setdefault(cand.source_video, []).append(cand)
    for video, cands in by_video.items():
        said = speech.get(video)
        if said is None or not said.words:
            out += cands
            continue
        for first, last, bonus in said.spans(max_sentence):
            start, end = said.edges(first, last)
            if end - start < MIN_SENTENCE_PIECE:
                continue
            inside = [c for c in cands if c.start < end and start < c.end]
            best = max(inside, key=lambda c: min(end, c.end) - max(start, c.start), default=None)
            out.append(
                Candidate(
                    video, start, end, min(_covered_score(start, end, cands) + bonus, 100.0),
                    best.segment if best else None, any(c.favorite for c in inside), whole=True,
                )
            )  # fmt: skip
        busy = said.busy()
        for cand in cands:
            out += _silent_parts(cand, busy)
    return out


def _split(candidates: Sequence[Candidate], max_piece: float) -> list[Candidate]:
    """Long windows become several pieces of at most max_piece seconds, evenly."""
    pieces = []
    for cand in candidates:
        if cand.whole:
            pieces.append(cand)
            continue
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
    the total lands on the target. A whole piece (a sentence) is never trimmed: it is taken
    while the total stays within SENTENCE_SLACK over the target, else passed over."""
    chosen: list[Cut] = []
    total = 0.0
    for piece in order:
        remaining = target - total
        if remaining < MIN_PIECE / 2:
            break
        if _overlaps(piece, chosen):
            continue
        if piece.whole:
            if total + piece.duration <= target * (1 + SENTENCE_SLACK) + 1e-6:
                chosen.append(Cut(piece.source_video, piece.start, piece.end, piece.segment))
                total += piece.duration
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
    speech: Mapping[str, Speech] | None = None,
) -> list[list[Cut]]:
    """`variant_count` cut lists of about `target` seconds.

    Modes: best (highest scores first, pieces used by earlier variants penalised), weighted
    (seeded random draw favouring score and favourites), random (seeded shuffle), sequential
    (the candidates' own order, each variant starting further along). With `speech` (per
    source video id), the videos that have some are cut on sentences (speech_candidates).
    """
    if speech:
        candidates = speech_candidates(candidates, speech, max_sentence=target * (1 + SENTENCE_SLACK))
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
