"""Word-level captions: word timings -> phrases -> an ASS file (pysubs2) for libass.

Phrases hold at most 7 words and 40 characters, at most two lines (measured), and never run
across a sentence end. Templates: karaoke (the phrase stays, the spoken word lights up), pop (one
word at a time, popping in), plain (the phrase), box (karaoke on a rounded box per line), grow
(karaoke, the spoken word larger). Lines sit inside the export preset's safe area
(layout.caption_place), each placed by its own baseline so every script shares one line grid.
The family follows the script (fonts.caption_family; a Latin name inside Arabic gets Noto Sans
at the same em), shaped by libass with FriBidi/HarfBuzz; each line carries its base direction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pysubs2

from library.media import fonts
from library.media.caption_style import DEFAULT_STYLE, GROW, render_style, stroke
from library.media.layout import CaptionPlace, SafeArea, caption_place

MAX_WORDS = 7
MAX_CHARS = 40
SENTENCE_END = re.compile(r"[.!?…。！？؟]['\"”’)\]]*$")
RLM, LRM = "\u200f", "\u200e"  # a line starting with one of these reads right-to-left / left-to-right
SAFE_FAMILY = re.compile(r"[\w .'&+-]{1,100}")
BOX_RADIUS = 0.3  # the box's corner radius, in em (at most half its height)
BOX_INSET = 0.04  # em between the boxes of two lines


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
        return join_words([w.text for w in self.words])


def join_words(texts: Sequence[str]) -> str:
    """Words as written: with spaces, except between two of a script written without them (CJK)."""
    out = ""
    for text in texts:
        if out and not (fonts.is_unspaced(out[-1]) and fonts.is_unspaced(text[0])):
            out += " "
        out += text
    return out


def _split_long(word: Word, fits: Callable[[list[str]], bool]) -> list[Word]:
    """A word too wide for the lines, cut between characters where its script allows (CJK, whose
    SRT cues and transcripts can hold a whole sentence without a space); never before closing
    punctuation. Its time is shared by length."""
    if fits([word.text]) or not any(fonts.breaks_anywhere(c) for c in word.text):
        return [word]
    pieces: list[str] = []
    buffer = ""
    for char in word.text:
        if buffer and not fits([buffer + char]) and fonts.breaks_anywhere(char):
            pieces.append(buffer)
            buffer = ""
        buffer += char
    pieces.append(buffer)
    out, at = [], word.start
    span = (word.end - word.start) / len(word.text)
    for piece in pieces:
        out.append(Word(piece, at, at + span * len(piece)))
        at += span * len(piece)
    return out


def phrases(words: Iterable[Any], *, fits: Callable[[list[str]], bool] | None = None) -> list[Phrase]:
    """Group timed words (anything with word/text, start, end) into caption phrases: at most
    MAX_WORDS words and MAX_CHARS characters, never across a sentence end, and (given `fits`,
    which says whether word texts fit the caption's lines) never more than fits."""
    result: list[Phrase] = []
    current: list[Word] = []
    for item in words:
        text = getattr(item, "text", None) or getattr(item, "word", "")
        whole = Word(text=str(text).strip(), start=float(item.start), end=float(item.end))
        if not whole.text:
            continue
        for word in _split_long(whole, fits) if fits else [whole]:
            texts = [w.text for w in [*current, word]]
            full = len(current) >= MAX_WORDS or len(join_words(texts)) > MAX_CHARS
            if current and (full or (fits is not None and not fits(texts))):
                result.append(Phrase(tuple(current)))
                current = []
            current.append(word)
        if SENTENCE_END.search(whole.text):
            result.append(Phrase(tuple(current)))
            current = []
    if current:
        result.append(Phrase(tuple(current)))
    return result


def font_for(text: str) -> str:
    """The Noto family for a caption text (see fonts.caption_family)."""
    return fonts.caption_family(text)


def _color(value: str, default: str) -> pysubs2.Color:
    value = (value or default).lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        value = default.lstrip("#")
    return pysubs2.Color(int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _ass_color(value: str, default: str) -> str:
    c = _color(value, default)
    return f"&H{c.b:02X}{c.g:02X}{c.r:02X}&"


BACKSLASH = "\uff3c"  # full-width reverse solidus (Noto Sans CJK draws it): a backslash look-alike


def ass_escape(text: str) -> str:
    """Text for an .ass event, drawn as typed: libass reads '\\N', '\\h' and '\\n' as line breaks and
    hard spaces even after a doubled backslash, so '\\' becomes a look-alike; braces, which open
    override tags, become parentheses."""
    return text.replace("\\", BACKSLASH).replace("{", "(").replace("}", ")").replace("\n", " ")


class _Writer:
    """One caption document's fonts, measures and markup."""

    def __init__(
        self, spec: dict[str, Any], place: CaptionPlace, text: str, font: fonts.CaptionFace | None = None
    ) -> None:
        self.spec, self.place, self.em = spec, place, place.em
        self.bold = bool(spec["bold"])
        self.extra = font
        self.family = font.family if font else spec["font"] or fonts.caption_family(text)
        self.rtl = fonts.base_rtl(text)
        self.grow = GROW if spec["preset"] == "grow" else 1.0
        self.highlight = _ass_color(spec["highlight_color"], DEFAULT_STYLE["highlight_color"])
        self.base = _ass_color(spec["color"], DEFAULT_STYLE["color"])
        self._widths: dict[str, float] = {}

    def face(self, family: str) -> fonts.CaptionFace | None:
        return fonts.caption_face(family, bold=self.bold, extra=self.extra)

    def size(self, family: str) -> float:
        """The ASS font size that gives `family` this writer's em (libass sizes by win height)."""
        face = self.face(family)
        return self.em / face.em_per_size if face else self.em * 1.36

    def width(self, text: str) -> float:
        if text not in self._widths:
            self._widths[text] = fonts.caption_width(
                text, primary=self.family, em=self.em, bold=self.bold, extra=self.extra
            )
        return self._widths[text]

    def line_width(self, texts: Sequence[str]) -> float:
        """A line's width, with room for the grow template's larger word."""
        extra = (self.grow - 1) * max((self.width(t) for t in texts), default=0.0)
        return self.width(join_words(texts)) + extra

    def lines(self, texts: Sequence[str]) -> list[range]:
        """Word indices per line: one line when it fits, else the two-line cut whose longer line
        is shortest (balanced lines)."""
        if len(texts) == 1 or self.line_width(texts) <= self.place.max_width:
            return [range(len(texts))]

        def longer(k: int) -> float:
            return max(self.line_width(texts[:k]), self.line_width(texts[k:]))

        cuts = range(1, len(texts))
        # Never between two words of the other direction (a Latin product name inside Arabic)
        # when another cut fits.
        whole = [k for k in cuts if not self._island(texts[k - 1], texts[k]) and longer(k) <= self.place.max_width]
        best = min(whole or cuts, key=longer)
        return [range(best), range(best, len(texts))]

    def _island(self, left: str, right: str) -> bool:
        other = fonts.direction(left)
        return other != "" and other != ("rtl" if self.rtl else "ltr") and fonts.direction(right) == other

    def fits(self, texts: list[str]) -> bool:
        """Whether the words make at most two lines that fit, not cut inside a name."""
        lines = self.lines(texts)
        if len(lines) == 2 and self._island(texts[lines[1].start - 1], texts[lines[1].start]):
            return False
        return all(self.line_width([texts[i] for i in line]) <= self.place.max_width for line in lines)

    def markup(self, text: str) -> str:
        """A word's text, each run in its script's family at this em."""
        out = ""
        for run, family in fonts.family_runs(text, primary=self.family, bold=self.bold, extra=self.extra):
            if family == self.family:
                out += ass_escape(run)
            else:
                out += f"{{\\fn{family}\\fs{self.size(family):.1f}}}{ass_escape(run)}"
                out += f"{{\\fn{self.family}\\fs{self.size(self.family):.1f}}}"
        return out

    def descent(self, texts: Sequence[str], grown: bool) -> float:
        """How far libass's line box reaches below the baseline (the deepest face of the line)."""
        families = {
            f for t in texts for _, f in fonts.family_runs(t, primary=self.family, bold=self.bold, extra=self.extra)
        }
        deepest = max((face.descent for f in families if (face := self.face(f))), default=0.3)
        return deepest * self.em * (self.grow if grown else 1.0)

    def line_event(self, texts: Sequence[str], *, line: int, lines: int, active: int | None, pop: bool = False) -> str:
        """One line's text, centred on its baseline, word `active` (an index into texts) lit;
        shrunk when one word alone is wider than the line may be; `pop` grows it in from 70 %."""
        width = self.line_width(texts)
        fit = min(1.0, self.place.max_width / width) if width else 1.0
        grown = active is not None and self.grow != 1
        joined = ""
        for i, text in enumerate(texts):
            body = self.markup(text)
            if i == active:
                scale = _scale(fit * self.grow) if grown else ""
                body = f"{{\\c{self.highlight}{scale}}}{body}{{\\c{self.base}{_scale(fit) if grown else ''}}}"
            joined += (_separator(texts[i - 1], text) if i else "") + body
        y = self.place.baseline(line, lines) + self.descent(texts, grown) * fit
        head = f"\\an2\\pos({self.place.centre_x},{y:.0f})" + (_scale(fit) if fit < 1 else "")
        if pop:
            head += f"{_scale(0.7 * fit)}\\t(0,90,{_scale(fit)})"
        # The line's base direction, stated where libass would guess otherwise (Encoding -1 takes
        # the first strong character): RLM on right-to-left lines, LRM on a left-to-right line
        # that starts with a right-to-left word.
        mark = RLM if self.rtl else (LRM if fonts.base_rtl(texts[0]) else "")
        return f"{{{head}}}{mark}{joined}"

    def box_event(self, texts: Sequence[str], *, line: int, lines: int) -> str:
        """A rounded box behind one line: an ASS drawing (libass's own boxes, BorderStyle 3 and
        4, have square corners)."""
        width = min(self.line_width(texts), self.place.max_width) + 2 * self.place.pad
        inset = BOX_INSET * self.em
        top = self.place.slot_top(line, lines) + inset
        height = self.place.pitch - 2 * inset
        x = self.place.centre_x - width / 2
        colour = _ass_color(self.spec["box_color"], DEFAULT_STYLE["box_color"])
        alpha = round((1 - float(self.spec["box_opacity"])) * 255)
        shape = rounded_rect(width, height, min(BOX_RADIUS * self.em, height / 2))
        return f"{{\\an7\\pos({x:.0f},{top:.0f})\\bord0\\shad0\\1c{colour}\\1a&H{alpha:02X}&\\p1}}{shape}{{\\p0}}"


def rounded_rect(width: float, height: float, radius: float) -> str:
    """An ASS drawing of a width x height rectangle with round corners (Bézier quarter circles)."""
    w, h, r = round(width), round(height), round(radius)
    c = round(r * 0.4477)  # 1 - 0.5523: the control points of a circle's quarter
    return (
        f"m {r} 0 l {w - r} 0 b {w - c} 0 {w} {c} {w} {r} l {w} {h - r} b {w} {h - c} {w - c} {h} {w - r} {h} "
        f"l {r} {h} b {c} {h} 0 {h - c} 0 {h - r} l 0 {r} b 0 {c} {c} 0 {r} 0"
    )


def build_ass(
    words: Sequence[Any],
    *,
    width: int,
    height: int,
    style: dict[str, Any] | None = None,
    safe: SafeArea | None = None,
    font_file: Path | None = None,
) -> pysubs2.SSAFile:
    """The captions as an ASS document sized for a width x height frame, inside `safe` (an
    export preset's safe area; the default keeps clear of every platform). `font_file` (a brand
    font) is the family when it covers every character; else the style's or the script's."""
    spec = render_style(style)  # validated when saved; lenient here for rows saved before that
    place = caption_place(width=width, height=height, safe=safe or SafeArea(), style=spec)
    raw = [getattr(w, "text", None) or getattr(w, "word", "") for w in words]
    text = join_words([str(t).strip() for t in raw if str(t).strip()])
    brand = fonts.caption_face_at(str(font_file)) if font_file else None
    if brand is not None and not all(c.isspace() or brand.covers(c) for c in text):
        brand = None  # a Latin brand font under Chinese captions: the script's family instead
    if brand is not None and not SAFE_FAMILY.fullmatch(brand.family):
        brand = None  # a family name a file declares goes into the .ass text: nothing that could break out
    writer = _Writer(spec, place, text, brand)
    groups = phrases(words, fits=writer.fits if spec["preset"] != "pop" else None)
    outline, shadow = stroke(spec, place.em)
    subs = pysubs2.SSAFile()
    subs.info.update(
        {"PlayResX": str(width), "PlayResY": str(height), "WrapStyle": "2", "ScaledBorderAndShadow": "yes"}
    )
    # Encoding -1: libass finds each line's base direction itself (the RLM/LRM each line starts
    # with decides it) and orders the whole line at once. With the default (1) a right-to-left
    # line is cut at every colour change and the runs laid left to right: Arabic and Hebrew
    # phrases came out scrambled, differently for each lit word.
    subs.styles["Caption"] = pysubs2.SSAStyle(
        fontname=writer.family,
        fontsize=round(writer.size(writer.family), 1),
        primarycolor=_color(spec["color"], DEFAULT_STYLE["color"]),
        outlinecolor=_color(spec["outline_color"], DEFAULT_STYLE["outline_color"]),
        backcolor=pysubs2.Color(0, 0, 0, 96),
        bold=writer.bold,
        outline=outline,
        shadow=shadow,
        alignment=pysubs2.Alignment(2),
        marginl=0,
        marginr=0,
        marginv=0,
        encoding=-1,
    )
    for phrase in groups:
        texts = [w.text.upper() if spec["uppercase"] else w.text for w in phrase.words]
        if spec["preset"] == "pop":
            _pop(subs, writer, phrase, texts)
            continue
        lines = writer.lines(texts)
        if spec["preset"] == "box":
            for n, line in enumerate(lines):
                box = writer.box_event([texts[i] for i in line], line=n, lines=len(lines))
                _event(subs, phrase.start, phrase.end, box, layer=0)
        if spec["preset"] == "plain":
            for n, line in enumerate(lines):
                text = writer.line_event([texts[i] for i in line], line=n, lines=len(lines), active=None)
                _event(subs, phrase.start, phrase.end, text)
            continue
        for i, word in enumerate(phrase.words):
            # Each word's moment lasts until the next word starts (no flicker between words).
            end = phrase.words[i + 1].start if i + 1 < len(phrase.words) else phrase.end
            for n, line in enumerate(lines):
                active = line.index(i) if i in line else None
                text = writer.line_event([texts[j] for j in line], line=n, lines=len(lines), active=active)
                _event(subs, word.start, max(end, word.start + 0.05), text)
    return subs


def _pop(subs: pysubs2.SSAFile, writer: _Writer, phrase: Phrase, texts: list[str]) -> None:
    """One word at a time, popping in from 70 %."""
    for i, word in enumerate(phrase.words):
        end = phrase.words[i + 1].start if i + 1 < len(phrase.words) else phrase.end
        text = writer.line_event([texts[i]], line=0, lines=1, active=None, pop=True)
        _event(subs, word.start, max(end, word.start + 0.05), text)


def _scale(factor: float) -> str:
    return f"\\fscx{factor * 100:.0f}\\fscy{factor * 100:.0f}"


def _separator(left: str, right: str) -> str:
    return "" if join_words([left, right]) == left + right else " "


def _event(subs: pysubs2.SSAFile, start: float, end: float, text: str, *, layer: int = 1) -> None:
    subs.events.append(
        pysubs2.SSAEvent(start=round(start * 1000), end=round(end * 1000), style="Caption", text=text, layer=layer)
    )


def write_ass(
    words: Sequence[Any],
    path: Path,
    *,
    width: int,
    height: int,
    style: dict[str, Any] | None = None,
    safe: SafeArea | None = None,
    fonts_dir: Path | None = None,
    font_file: Path | None = None,
) -> Path:
    """The captions as an .ass file; with `fonts_dir`, the font files they use are linked there
    (for libass's `fontsdir`: it then draws with exactly the faces we measured)."""
    subs = build_ass(words, width=width, height=height, style=style, safe=safe, font_file=font_file)
    subs.save(str(path), format_="ass")
    if fonts_dir is not None:
        fonts_dir.mkdir(parents=True, exist_ok=True)
        families = {subs.styles["Caption"].fontname}
        families |= {name for e in subs.events for name in re.findall(r"\\fn([^\\}]+)", e.text)}
        paths = set()
        if font_file is not None and fonts.caption_face_at(str(font_file)).family in families:
            families.discard(fonts.caption_face_at(str(font_file)).family)
            paths.add(str(font_file))
        for family in families:
            paths |= {face.path for bold in (True, False) if (face := fonts.caption_face(family, bold=bold))}
        for target in paths:
            link = fonts_dir / Path(target).name
            if not link.exists():
                link.symlink_to(target)
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
