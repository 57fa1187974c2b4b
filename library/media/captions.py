"""Word-level captions: word timings -> phrases -> an ASS file (pysubs2) for libass.

Phrases hold at most 7 words and 40 characters and never run across a sentence end. Styles:
karaoke (the phrase stays, the spoken word lights up), pop (one word at a time, popping in),
plain (the phrase). Captions stay out of the bottom ~15% of the frame where the platforms draw
their buttons, and the font is picked to cover the script (Noto families, shaped by libass with
FriBidi/HarfBuzz, so Arabic and Hebrew read right to left).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pysubs2

from library.media.caption_style import DEFAULT_STYLE, render_style

MAX_WORDS = 7
MAX_CHARS = 40
SENTENCE_END = re.compile(r"[.!?…。！？؟]['\"”’)\]]*$")
BUTTON_ZONE = 0.15  # the bottom share of a 9:16 frame covered by platform buttons

# Unicode script of a character -> the Noto family that covers it.
SCRIPT_FONTS = [
    (("ARABIC",), "Noto Sans Arabic"),
    (("HEBREW",), "Noto Sans Hebrew"),
    (("DEVANAGARI",), "Noto Sans Devanagari"),
    (("THAI",), "Noto Sans Thai"),
    (("CJK", "HIRAGANA", "KATAKANA", "HANGUL"), "Noto Sans CJK SC"),
]
LATIN_FONT = "Noto Sans"


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Phrase:
    words: tuple[Word, ...]

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def phrases(words: Iterable[Any]) -> list[Phrase]:
    """Group timed words (anything with word/text, start, end) into caption phrases."""
    result: list[Phrase] = []
    current: list[Word] = []
    for item in words:
        text = getattr(item, "text", None) or getattr(item, "word", "")
        word = Word(text=str(text).strip(), start=float(item.start), end=float(item.end))
        if not word.text:
            continue
        length = len(" ".join(w.text for w in [*current, word]))
        if current and (len(current) >= MAX_WORDS or length > MAX_CHARS):
            result.append(Phrase(tuple(current)))
            current = []
        current.append(word)
        if SENTENCE_END.search(word.text):
            result.append(Phrase(tuple(current)))
            current = []
    if current:
        result.append(Phrase(tuple(current)))
    return result


def font_for(text: str) -> str:
    """The Noto family that covers the first non-Latin script found in the text."""
    for char in text:
        if ord(char) < 0x0370:
            continue
        name = unicodedata.name(char, "")
        for markers, family in SCRIPT_FONTS:
            if any(name.startswith(marker) or f" {marker}" in name for marker in markers):
                return family
    return LATIN_FONT


def _color(value: str, default: str) -> pysubs2.Color:
    value = (value or default).lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        value = default.lstrip("#")
    return pysubs2.Color(int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _ass_color(value: str, default: str) -> str:
    c = _color(value, default)
    return f"&H{c.b:02X}{c.g:02X}{c.r:02X}&"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("{", "(").replace("}", ")").replace("\n", " ")


def build_ass(words: Sequence[Any], *, width: int, height: int, style: dict[str, Any] | None = None) -> pysubs2.SSAFile:
    """The captions as an ASS document sized for a width x height frame."""
    spec = render_style(style)  # validated when saved; lenient here for rows saved before that
    groups = phrases(words)
    text_all = " ".join(p.text for p in groups)
    size = int(spec["size"]) or round(height * 0.04)
    subs = pysubs2.SSAFile()
    subs.info.update(
        {"PlayResX": str(width), "PlayResY": str(height), "WrapStyle": "0", "ScaledBorderAndShadow": "yes"}
    )
    alignment = {"bottom": 2, "center": 5, "top": 8}[spec["position"]]
    margin_v = round(height * (BUTTON_ZONE + 0.05)) if spec["position"] == "bottom" else round(height * 0.08)
    if spec["margin_v"] is not None:
        margin_v = round(height * spec["margin_v"] / 100)
    margin_h = round(width * (0.08 if spec["margin_h"] is None else spec["margin_h"] / 100))
    subs.styles["Caption"] = pysubs2.SSAStyle(
        fontname=spec["font"] or font_for(text_all),
        fontsize=size,
        primarycolor=_color(spec["color"], DEFAULT_STYLE["color"]),
        outlinecolor=_color(spec["outline_color"], DEFAULT_STYLE["outline_color"]),
        backcolor=pysubs2.Color(0, 0, 0, 128),
        bold=bool(spec["bold"]),
        outline=float(spec["outline"]),
        shadow=float(spec["shadow"]),
        alignment=pysubs2.Alignment(alignment),
        marginl=margin_h,
        marginr=margin_h,
        marginv=margin_v,
    )
    highlight = _ass_color(spec["highlight_color"], DEFAULT_STYLE["highlight_color"])
    base = _ass_color(spec["color"], DEFAULT_STYLE["color"])
    for phrase in groups:
        texts = [w.text.upper() if spec["uppercase"] else w.text for w in phrase.words]
        if spec["preset"] == "plain":
            _event(subs, phrase.start, phrase.end, " ".join(_escape(t) for t in texts))
            continue
        for i, word in enumerate(phrase.words):
            # Each word's moment lasts until the next word starts (no flicker between words).
            end = phrase.words[i + 1].start if i + 1 < len(phrase.words) else phrase.end
            if spec["preset"] == "pop":
                text = "{\\fscx70\\fscy70\\t(0,90,\\fscx100\\fscy100)}" + _escape(texts[i])
            else:
                text = " ".join(
                    f"{{\\c{highlight}}}{_escape(t)}{{\\c{base}}}" if j == i else _escape(t)
                    for j, t in enumerate(texts)
                )
            _event(subs, word.start, max(end, word.start + 0.05), text)
    return subs


def _event(subs: pysubs2.SSAFile, start: float, end: float, text: str) -> None:
    subs.events.append(pysubs2.SSAEvent(start=round(start * 1000), end=round(end * 1000), style="Caption", text=text))


def write_ass(
    words: Sequence[Any], path: Path, *, width: int, height: int, style: dict[str, Any] | None = None
) -> Path:
    build_ass(words, width=width, height=height, style=style).save(str(path), format_="ass")
    return path


def words_from_srt(srt_text: str) -> list[Word]:
    """Word timings from a user's SRT: each cue's words share its time, in proportion to
    their length."""
    subs = pysubs2.SSAFile.from_string(srt_text, format_="srt")
    words: list[Word] = []
    for event in subs.events:
        tokens = event.plaintext.split()
        if not tokens:
            continue
        span = (event.end - event.start) / 1000
        weights = [len(t) + 1 for t in tokens]
        at = event.start / 1000
        for token, weight in zip(tokens, weights, strict=True):
            length = span * weight / sum(weights)
            words.append(Word(token, at, at + length))
            at += length
    return words


def words_from_srt_safe(srt_text: str) -> list[Word]:
    """words_from_srt, or [] for text pysubs2 cannot read as SRT."""
    try:
        return words_from_srt(srt_text)
    except Exception:  # pysubs2 raises several kinds of errors on bad input
        return []
