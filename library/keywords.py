"""Keyword B-roll: find where a segment's keyword is spoken (exact word first, then a fuzzy
match such as a plural or another form of the same stem). Pure functions."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FUZZY_MIN_RATIO = 0.86
SUFFIXES = ("ies", "es", "s", "ing", "ed", "er", "ly")
WORDS_PER_SECOND = 2.6  # a calm voiceover, for estimating times from a bare script


@dataclass(frozen=True)
class TimedWord:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Match:
    segment: str
    keyword: str
    words: str
    start: float
    end: float
    confidence: float
    exact: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment, "keyword": self.keyword, "words": self.words, "start": round(self.start, 3),
            "end": round(self.end, 3), "confidence": round(self.confidence, 2), "exact": self.exact,
        }  # fmt: skip


def normalize(word: str) -> str:
    text = unicodedata.normalize("NFKC", word).casefold()
    return re.sub(r"[^\w]+", "", text)


def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            base = word[: -len(suffix)]
            return base + "y" if suffix == "ies" else base
    return word


def _similarity(spoken: str, keyword: str) -> tuple[float, bool]:
    if spoken == keyword:
        return 1.0, True
    if stem(spoken) == stem(keyword):
        return 0.9, False
    ratio = difflib.SequenceMatcher(None, spoken, keyword).ratio()
    return (ratio * 0.9, False) if ratio >= FUZZY_MIN_RATIO else (0.0, False)


def match_keywords(
    words: Sequence[Any], segments: Iterable[tuple[str, Sequence[str]]], *, min_gap: float = 0.0
) -> list[Match]:
    """Where each segment keyword is spoken. `words` are timed (text/word, start, end);
    `segments` are (segment id, keywords). A keyword of several words must be spoken in a row.
    The best match wins at each moment; later matches closer than `min_gap` seconds to an
    earlier one are dropped (two cut-ins cannot overlap)."""
    spoken = [(normalize(getattr(w, "text", None) or getattr(w, "word", "")), w) for w in words]
    found: list[Match] = []
    for segment_id, keywords in segments:
        for keyword in keywords:
            parts = [normalize(p) for p in keyword.split() if normalize(p)]
            if not parts:
                continue
            for i in range(len(spoken) - len(parts) + 1):
                scores = [_similarity(spoken[i + k][0], parts[k]) for k in range(len(parts))]
                confidence = min(s for s, _ in scores)
                if confidence <= 0:
                    continue
                first, last = spoken[i][1], spoken[i + len(parts) - 1][1]
                text = " ".join(
                    getattr(spoken[i + k][1], "text", None) or spoken[i + k][1].word for k in range(len(parts))
                )
                found.append(Match(str(segment_id), keyword, text, float(first.start), float(last.end), confidence,
                                   all(exact for _, exact in scores)))  # fmt: skip
    found.sort(key=lambda m: (m.start, -m.confidence))
    chosen: list[Match] = []
    for match in found:
        if chosen and match.start < chosen[-1].start + max(min_gap, 1e-6):
            if match.start == chosen[-1].start and match.confidence > chosen[-1].confidence:
                chosen[-1] = match
            continue
        chosen.append(match)
    return chosen


def estimate_words(script: str) -> list[TimedWord]:
    """Rough times for a script not yet spoken (longer words take longer)."""
    tokens = script.split()
    weights = [0.6 + 0.08 * len(t) + (0.25 if t[-1:] in ".!?" else 0.1 if t[-1:] in ",;:" else 0) for t in tokens]
    scale = len(tokens) / WORDS_PER_SECOND / max(sum(weights), 1e-6)
    at, out = 0.0, []
    for token, weight in zip(tokens, weights, strict=True):
        out.append(TimedWord(token, at, at + weight * scale))
        at += weight * scale
    return out
