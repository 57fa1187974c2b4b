"""Keyword B-roll: find where a segment's keyword is spoken (exact word first, then a fuzzy
match such as a plural or another form of the same stem). Pure functions, in bounded time: the
keywords are indexed once, each distinct spoken word is looked up once, and difflib only
compares a spoken word with a few keyword words of the same first letters and a similar length."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, cast

FUZZY_MIN_RATIO = 0.86
SUFFIXES = ("ies", "es", "s", "ing", "ed", "er", "ly")
WORDS_PER_SECOND = 2.6  # a calm voiceover, for estimating times from a bare script
MAX_MATCH_WORDS = 3000  # spoken words one match may read (~20 minutes of speech); the API refuses more
FUZZY_CANDIDATES = 32  # keyword words one spoken word is compared with by difflib, at most
WORD_MATCHES = 8  # keyword words one spoken word may stand for, best first
BEAM = 16  # partly spoken keyword phrases followed at once from one position


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


class _Node:
    __slots__ = ("children", "keyword")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.keyword: tuple[int, str, str] | None = None  # (first seen at, segment id, keyword as written)


class _Index:
    """Every segment keyword in a trie of its normalised words, plus what a spoken word may
    match: the same word, a word of the same stem, or a near spelling sharing its first two
    letters and of a similar length (compared by difflib, at most FUZZY_CANDIDATES of them).
    What a spoken word matches is worked out once per distinct word, so the cost grows with
    the script plus the keywords, never with their product."""

    def __init__(self, segments: Iterable[tuple[object, Sequence[str]]]) -> None:
        self.root = _Node()
        self.depth = 0
        normalized: dict[str, str] = {}  # profiles repeat their keywords: normalise each word once
        order = 0
        for segment_id, kws in segments:
            for keyword in kws:
                words = keyword.split()
                for word in words:
                    if word not in normalized:
                        normalized[word] = normalize(word)
                parts = [normalized[w] for w in words if normalized[w]]
                if not parts:
                    continue
                node = self.root
                for part in parts:
                    node = node.children.setdefault(part, _Node())
                if node.keyword is None:  # the first segment holding a keyword wins its ties
                    node.keyword = (order, str(segment_id), keyword)
                    order += 1
                self.depth = max(self.depth, len(parts))
        stems: dict[str, list[str]] = defaultdict(list)
        near: dict[tuple[str, int], list[str]] = defaultdict(list)
        for part in sorted(set(normalized.values()) - {""}):
            stems[stem(part)].append(part)
            near[part[:2], len(part)].append(part)
        self.stems, self.near = dict(stems), dict(near)
        self.memo: dict[str, list[tuple[str, float, bool]]] = {}

    def matches(self, spoken: str) -> list[tuple[str, float, bool]]:
        """The keyword words `spoken` may stand for: (word, confidence, exact), best first."""
        if spoken in self.memo:
            return self.memo[spoken]
        found: dict[str, tuple[float, bool]] = {}
        for part in self.stems.get(stem(spoken), ()):
            found[part] = (1.0, True) if part == spoken else (0.9, False)
        compared = 0
        for length in _near_lengths(len(spoken)):
            for part in self.near.get((spoken[:2], length), ()):
                if compared >= FUZZY_CANDIDATES:
                    break
                if part not in found:
                    compared += 1
                    matcher = difflib.SequenceMatcher(None, spoken, part)
                    if matcher.quick_ratio() >= FUZZY_MIN_RATIO and (ratio := matcher.ratio()) >= FUZZY_MIN_RATIO:
                        found[part] = (ratio * 0.9, False)
        best = sorted(found.items(), key=lambda item: (-item[1][0], item[0]))[:WORD_MATCHES]
        self.memo[spoken] = [(part, score, exact) for part, (score, exact) in best]
        return self.memo[spoken]


def _near_lengths(length: int) -> list[int]:
    """Lengths a near spelling of a word of `length` letters may have, closest first: difflib's
    ratio is at most 2 * min(len) / (sum of len), so the others cannot reach the bar (and no
    word under 4 letters has a near spelling other than itself)."""
    if length < 4:
        return []
    lengths = sorted(range(1, 2 * length + 1), key=lambda other: (abs(other - length), other))
    return [other for other in lengths if 2 * min(length, other) / (length + other) >= FUZZY_MIN_RATIO]


def _spoken_text(word: object) -> str:
    return cast(str, getattr(word, "text", None) or getattr(word, "word", ""))


def _best_at(index: _Index, spoken: list[str], i: int) -> tuple[float, tuple[int, str, str], int, bool] | None:
    """The best keyword spoken from word i on: (confidence, keyword, words it spans, exact).
    Phrases are followed word by word through the trie, the BEAM best at a time."""
    best = None
    frontier = [(index.root, 1.0, True)]
    for k in range(min(index.depth, len(spoken) - i)):
        following = []
        for node, confidence, exact in frontier:
            for part, score, part_exact in index.matches(spoken[i + k]):
                child = node.children.get(part)
                if child is None:
                    continue
                here, here_exact = min(confidence, score), exact and part_exact
                if child.keyword is not None and (best is None or (here, -child.keyword[0]) > (best[0], -best[1][0])):
                    best = (here, child.keyword, k + 1, here_exact)
                if child.children:
                    following.append((child, here, here_exact))
        following.sort(key=lambda item: -item[1])
        frontier = following[:BEAM]
        if not frontier:
            break
    return best


def match_keywords(
    words: Sequence[Any], segments: Iterable[tuple[object, Sequence[str]]], *, min_gap: float = 0.0
) -> list[Match]:
    """Where each segment keyword is spoken. `words` are timed (text/word, start, end), the
    first MAX_MATCH_WORDS of them read; `segments` are (segment id, keywords). A keyword of
    several words must be spoken in a row. The best match wins at each moment (the first
    segment holding it on a tie); later matches closer than `min_gap` seconds to an earlier
    one are dropped (two cut-ins cannot overlap)."""
    index = _Index(segments)
    timed = list(islice(words, MAX_MATCH_WORDS))
    spoken = [normalize(_spoken_text(w)) for w in timed]
    found: list[tuple[Match, int]] = []
    for i in range(len(spoken)):
        best = _best_at(index, spoken, i)
        if best is None:
            continue
        confidence, (order, segment_id, keyword), length, exact = best
        first, last = timed[i], timed[i + length - 1]
        text = " ".join(_spoken_text(w) for w in timed[i : i + length])
        found.append((Match(segment_id, keyword, text, float(first.start), float(last.end), confidence, exact), order))
    found.sort(key=lambda item: (item[0].start, -item[0].confidence, item[1]))
    chosen: list[Match] = []
    for match, _ in found:
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


# -- what a spoken sentence is worth in a clip (the analyzer's and the planner's speech scores) --

# fmt: off
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "for", "from", "has", "have", "in", "into",
    "is", "it", "its", "just", "more", "most", "of", "on", "or", "our", "that", "the", "their", "this", "to",
    "very", "was", "we", "will", "with", "you", "your"
))
NUMBER_WORDS = frozenset((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
    "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion",
    "percent", "half", "double", "twice"
))
# fmt: on
KEYWORD_POINTS = 12.0  # per product keyword said, up to two
QUESTION_POINTS = 10.0  # a question hooks the viewer
NUMBER_POINTS = 8.0  # so does a figure (a price, a duration, a count)


def context_words(context_text: str) -> frozenset[str]:
    """The product's keywords in `context_text` (its name, features...): stems of its words of
    at least 3 letters that are not stop words."""
    words = (normalize(w) for w in context_text.split())
    return frozenset(stem(w) for w in words if len(w) >= 3 and w not in STOPWORDS)


def sentence_hooks(text: str, context: frozenset[str]) -> tuple[float, tuple[str, ...]]:
    """Score points a spoken sentence earns in a clip, and why (tags): the product's keywords
    it says, a question, a number."""
    spoken = [normalize(w) for w in text.split()]
    hits = len({stem(w) for w in spoken if w and stem(w) in context})
    points, tags = KEYWORD_POINTS * min(hits, 2), []
    if hits:
        tags.append("keyword")
    if text.rstrip().rstrip("\"'”’)").endswith("?"):
        points += QUESTION_POINTS
        tags.append("question")
    if any(any(ch.isdigit() for ch in w) or w in NUMBER_WORDS for w in spoken):
        points += NUMBER_POINTS
        tags.append("number")
    return points, tuple(tags)
