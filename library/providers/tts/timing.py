"""Word timings: words as captions show them, and their times in the audio from three sources —
a provider's character alignment (ElevenLabs), a synthesizer's word events (espeak-ng's library),
or an estimate fitted to the real audio and anchored on its pauses (espeak-ng without events).

A word is a run of non-space characters with its punctuation attached ("Then," "dog."); a token
with nothing speakable in it (a lone dash) joins the word before it.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from library.media.audio import Silence
from library.providers.tts.base import TTSError, WordTiming

# Said aloud although they are punctuation to Unicode.
_SPOKEN_MARKS = frozenset("&%@#")
# Pauses after a word, in letter-times (see speech_weight): espeak-ng's clause and sentence pauses.
# Commas, semicolons, colons and dashes (also Arabic and CJK commas); full stops, ! ? and the
# ellipsis (also the CJK full stop, full-width ! ?, and the Arabic question mark).
_CLAUSE_END = ",;:\u2014\u2013\u060c\u061b\u3001\uff0c\uff1b\uff1a"
_SENTENCE_END = ".!?\u2026\u3002\uff01\uff1f\u061f"
CLAUSE_PAUSE, SENTENCE_PAUSE = 3.5, 6.0
# An internal silence at least this long may be a pause the text announces with punctuation.
ANCHOR_MIN_SILENCE = 0.1
WORD_TAIL_GAP = 0.05  # a silence starting this soon after a word's start is not its end


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # index of its first character (or alignment element)
    end: int  # one past its last


def _speakable(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LNS" or ch in _SPOKEN_MARKS for ch in text)


def _join(pieces: Sequence[str], start: int, end: int) -> str:
    return " ".join("".join(pieces[start:end]).split())


def tokens(pieces: Sequence[str]) -> list[Token]:
    """The words of a text (a str, or the list of characters of an alignment), in order."""
    spans: list[tuple[int, int]] = []
    start = None
    for index, piece in enumerate(pieces):
        if piece.isspace() or not piece:
            if start is not None:
                spans.append((start, index))
                start = None
        elif start is None:
            start = index
    if start is not None:
        spans.append((start, len(pieces)))
    merged: list[tuple[int, int]] = []
    leading: tuple[int, int] | None = None  # punctuation before the first word
    for span in spans:
        if not _speakable("".join(pieces[span[0] : span[1]])):
            if merged:
                merged[-1] = (merged[-1][0], span[1])
            else:
                leading = (leading[0] if leading else span[0], span[1])
            continue
        if leading is not None:
            span, leading = (leading[0], span[1]), None
        merged.append(span)
    if leading is not None:
        merged.append(leading)
    return [Token(_join(pieces, a, b), a, b) for a, b in merged]


def _finish(words: list[WordTiming], duration: float) -> list[WordTiming]:
    """Monotonic, inside [0, duration], never ending before starting."""
    done: list[WordTiming] = []
    floor = 0.0
    for word in words:
        start = min(max(word.start, floor), duration)
        end = min(max(word.end, start), duration)
        done.append(WordTiming(word.word, round(start, 3), round(end, 3)))
        floor = start
    return done


# -- ElevenLabs: character alignment --------------------------------------------------------


def alignment_words(characters: Sequence[str], starts: Sequence[float], ends: Sequence[float]) -> list[WordTiming]:
    """Words from a character alignment: a word starts when its first character starts and ends
    when its last one ends."""
    if not (len(characters) == len(starts) == len(ends)):
        raise TTSError("the provider returned a character alignment of mismatched lengths", retryable=True)
    words = []
    for token in tokens(characters):
        start, end = float(starts[token.start]), float(ends[token.end - 1])
        words.append(WordTiming(token.text, start, max(end, start)))
    return words


# -- espeak-ng: word events -------------------------------------------------------------------


def _speech_bounds(silences: Sequence[Silence], duration: float) -> tuple[float, float]:
    """Where sound starts and stops: leading and trailing silences are not speech."""
    lead = silences[0].end if silences and silences[0].start <= 0.01 else 0.0
    tail = silences[-1].start if silences and silences[-1].end >= duration - 0.01 else duration
    return (lead, tail) if tail > lead else (0.0, duration)


def _with_ends(
    texts: Sequence[str], starts: Sequence[float], silences: Sequence[Silence], duration: float
) -> list[WordTiming]:
    """A word lasts until the next one starts, or until a silence cuts it short (a pause)."""
    _, tail = _speech_bounds(silences, duration)
    words = []
    for index, (text, start) in enumerate(zip(texts, starts, strict=True)):
        limit = starts[index + 1] if index + 1 < len(starts) else max(tail, start)
        # The pause before the next word, or a long one; a consonant's short hush is not an end.
        pause = next(
            (
                s.start
                for s in silences
                if start + WORD_TAIL_GAP < s.start < limit
                and (s.end >= limit - 0.1 or s.duration >= ANCHOR_MIN_SILENCE)
            ),
            None,
        )
        words.append(WordTiming(text, start, pause if pause is not None else limit))
    return _finish(words, duration)


def event_words(
    text: str, events: Sequence[tuple[int, float]], *, duration: float, silences: Sequence[Silence]
) -> list[WordTiming]:
    """Words from a synthesizer's word events, (character offset in `text`, seconds), in the order
    it spoke them. A word starts at the first event inside it; events between words (espeak-ng
    emits some at clause ends) or going backwards are ignored, and a word that got no event
    (numbers read as several words, merged words) is placed between its neighbours by length."""
    words = tokens(text)
    starts: list[float | None] = [None] * len(words)
    ends = [w.end for w in words]
    latest = -1
    for offset, at in events:
        index = bisect.bisect_right(ends, offset)
        if index < len(words) and words[index].start <= offset and index > latest:
            starts[index], latest = at, index
    if not any(value is not None for value in starts):
        return estimated_words(text, duration=duration, silences=silences)  # nothing to go by
    lead, tail = _speech_bounds(silences, duration)
    known = [(i, value) for i, value in enumerate(starts) if value is not None]
    if known[0][0] != 0:
        known.insert(0, (0, min(lead, known[0][1])))
    filled = list(starts)
    for (i, a), (j, b) in zip(known, [*known[1:], (len(words), tail)], strict=True):
        lengths = [len(words[k].text) for k in range(i, j)]
        total = sum(lengths) or 1
        elapsed = 0
        for k in range(i, j):
            filled[k] = a + (b - a) * elapsed / total if k != i else a
            elapsed += lengths[k - i]
    return _with_ends([w.text for w in words], [float(v or 0.0) for v in filled], silences, duration)


# -- espeak-ng without events: estimate, fit and anchor ----------------------------------------


def speech_weight(word: str) -> float:
    """How long a word takes to say, in letter-times. Measured on espeak-ng's own word events
    (English, Spanish, German, Arabic): duration follows the letter count far better than the
    syllable count (root-mean-square error 0.06 s against 0.10 s per word). Abjads leave vowels
    unwritten (a letter takes ~1.7 times as long), a Chinese/Japanese/Korean character is a
    syllable, a digit becomes a word."""
    weight = 0.6
    for ch in word:
        category = unicodedata.category(ch)
        if category[0] == "L":
            name = unicodedata.name(ch, "")
            if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")):
                weight += 5.0
            elif name.startswith(("ARABIC", "HEBREW", "SYRIAC", "THAANA")):
                weight += 1.7
            else:
                weight += 1.0
        elif category in ("Mn", "Mc"):
            weight += 0.3  # vowel signs and diacritics
        elif category[0] == "N" or ch in _SPOKEN_MARKS or category in ("Sc", "Sm"):
            weight += 4.0  # a digit or a symbol is read as a word
    return weight


def pause_after(word: str) -> float:
    """The pause espeak-ng makes after a word, in letter-times, from the punctuation ending it."""
    tail = word
    while tail and (tail[-1] in "\"'" or unicodedata.category(tail[-1]) in ("Pe", "Pf")):
        tail = tail[:-1]  # closing quotes and brackets
    if tail and tail[-1] in _SENTENCE_END:
        return SENTENCE_PAUSE
    if tail and tail[-1] in _CLAUSE_END:
        return CLAUSE_PAUSE
    return 0.0


def _anchor(
    expected: Sequence[float], levels: Sequence[float], candidates: Sequence[Silence], tolerance: float
) -> dict[int, Silence]:
    """Match the pauses the text announces (in order, at `expected` times) to real silences (in
    order), preferring long silences close to where a pause was expected. A dynamic programme
    over both sequences, like a sequence alignment; unmatched ones on either side are fine."""
    n, m = len(expected), len(candidates)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best = max(score[i - 1][j], score[i][j - 1])
            gap = abs(expected[i - 1] - (candidates[j - 1].start + candidates[j - 1].end) / 2)
            if gap < tolerance:
                fit = (1 - gap / tolerance) * (0.5 + min(candidates[j - 1].duration, 0.6) + 0.05 * levels[i - 1])
                best = max(best, score[i - 1][j - 1] + fit)
            score[i][j] = best
    matches: dict[int, Silence] = {}
    i, j = n, m
    while i and j:
        if score[i][j] == score[i - 1][j]:
            i -= 1
        elif score[i][j] == score[i][j - 1]:
            j -= 1
        else:
            matches[i - 1] = candidates[j - 1]
            i, j = i - 1, j - 1
    return matches


def estimated_words(text: str, *, duration: float, silences: Sequence[Silence]) -> list[WordTiming]:
    """Estimate each word's share of the speech from its syllables and the pauses punctuation
    makes, fit that to where the audio really has sound, and pin the pauses to real silences."""
    words = tokens(text)
    if not words:
        return []
    weights = [speech_weight(w.text) for w in words]
    pauses = [pause_after(w.text) for w in words[:-1]] + [0.0]
    lead, tail = _speech_bounds(silences, duration)
    total = sum(weights) + sum(pauses)
    # Where each announced pause falls if speech were uniform: after its word, half-way into it.
    expected, levels, owners, elapsed = [], [], [], 0.0
    for index, (weight, pause) in enumerate(zip(weights, pauses, strict=True)):
        elapsed += weight
        if pause:
            expected.append(lead + (tail - lead) * (elapsed + pause / 2) / total)
            levels.append(pause)
            owners.append(index)
        elapsed += pause
    candidates = [s for s in silences if s.duration >= ANCHOR_MIN_SILENCE and lead < s.start and s.end < tail]
    anchors = {
        owners[k]: silence for k, silence in _anchor(expected, levels, candidates, 0.5 + 0.15 * (tail - lead)).items()
    }
    starts: list[float] = []
    ends: list[float] = []
    first, segment_start = 0, lead
    for last in [*sorted(anchors), len(words) - 1]:
        segment_end = anchors[last].start if last in anchors else tail
        units = sum(weights[first : last + 1]) + sum(pauses[first:last])
        unit = max(segment_end - segment_start, 0.0) / units if units else 0.0
        at = segment_start
        for index in range(first, last + 1):
            starts.append(at)
            at += weights[index] * unit
            ends.append(at)
            if index < last:
                at += pauses[index] * unit
        if last in anchors:
            segment_start = anchors[last].end
        first = last + 1
    return _finish([WordTiming(w.text, s, e) for w, s, e in zip(words, starts, ends, strict=True)], duration)
