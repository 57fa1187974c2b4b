"""The opening hook: one line of text (wrapped to at most three lines) shown large over the first
seconds of a clip, in the upper band the composition leaves for it, on a box in the brand's
colours. Written as an .ass file for libass (so every script is shaped, and a brand font
reaches it through `fontsdir`), with our own line breaks: we measure, so we know its box.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pysubs2
from PIL import ImageFont

from library.media import fonts
from library.media.captions import ass_escape
from library.media.layout import Box

SECONDS = 2.5
FADE_IN_MS, FADE_OUT_MS = 150, 300
MAX_LINES = 3
SIZE = 0.062  # the hook's font size as a share of the frame height, before shrinking to fit
MIN_SIZE = 0.032
PAD = 0.22  # the box's padding around the text, in em
# A sentence ends at . ! ? … followed by a space (or the end), or at a CJK full stop, which
# needs none.
SENTENCE = re.compile(r"(.+?(?:[.!?…؟](?=\s|$)|[。！？]))", re.S)
MAX_CHARS = 120


@dataclass(frozen=True)
class HookFont:
    family: str  # the family libass is asked for
    path: str  # the file measured (and, for a brand font, put in fontsdir)


@dataclass(frozen=True)
class HookText:
    lines: tuple[str, ...]
    size: int  # ASS font size (pixels: libass sizes a face by its line height)
    box: Box  # the box drawn, padding included


def first_sentence(text: str) -> str:
    """The first sentence of `text` (all of it when it has no sentence end), at most MAX_CHARS
    characters, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    match = SENTENCE.match(text)
    sentence = match.group(1) if match else text
    if len(sentence) > MAX_CHARS:
        sentence = sentence[: MAX_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return sentence


def font_for(text: str, brand: HookFont | None) -> HookFont:
    """The brand font when it covers the text, else the installed Noto face for its script."""
    if brand is not None and all(c.isspace() or fonts.font_at(brand.path).covers(c) for c in text):
        return brand
    path = fonts.primary_font(frozenset(text), bold=True)
    return HookFont(fonts.font_at(path).family or "Noto Sans", path)


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    def measure(line: str) -> float:
        return float(face.getlength(line))

    unspaced = " " not in text.strip()
    if unspaced:  # CJK and the like: break between characters
        lines, current = [], ""
        for char in text:
            if current and measure(current + char) > width:
                lines.append(current)
                current = ""
            current += char
        return [*lines, current] if current else lines
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def fit(text: str, *, band: Box, height: int, font: HookFont) -> HookText | None:
    """The largest size (SIZE down to MIN_SIZE of the frame height) at which the text fits the
    band in at most MAX_LINES lines, its box included; None when it never does."""
    size = round(height * SIZE)
    while size >= round(height * MIN_SIZE):
        # libass sizes a face so that its line (win ascent + descent) is `size`: the em is less.
        face = ImageFont.truetype(font.path, max(round(size * em_share(font.path)), 1))
        pad = round(size * PAD)
        lines = _wrap(text, face, band.w - 2 * pad)
        widest = max((face.getlength(line) for line in lines), default=0.0)
        tall = len(lines) * size + 2 * pad
        if len(lines) <= MAX_LINES and tall <= band.h and widest <= band.w - 2 * pad:
            w = round(widest) + 2 * pad
            box = Box(band.x + (band.w - w) // 2, band.y, w, tall)
            return HookText(tuple(lines), size, box)
        size = round(size * 0.9)
    return None


@lru_cache(maxsize=32)
def em_share(path: str) -> float:
    """unitsPerEm / (usWinAscent + usWinDescent) of the font's first face: libass sizes a face
    so that its win height is the ASS size (about 0.75 for Noto Sans)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(1 << 16)
        base = struct.unpack(">I", data[12:16])[0] if data[:4] == b"ttcf" else 0
        count = struct.unpack(">H", data[base + 4 : base + 6])[0]
        tables = {}
        for n in range(count):
            entry = data[base + 12 + 16 * n : base + 28 + 16 * n]
            tables[entry[:4]] = struct.unpack(">I", entry[8:12])[0]
        with open(path, "rb") as handle:
            handle.seek(tables[b"head"] + 18)
            units = struct.unpack(">H", handle.read(2))[0]
            handle.seek(tables[b"OS/2"] + 74)
            ascent, descent = struct.unpack(">HH", handle.read(4))
        return float(units / (ascent + descent))
    except (OSError, KeyError, ValueError, struct.error, ZeroDivisionError):
        return 0.8


def _ass_color(hex_color: str, alpha: int = 0) -> pysubs2.Color:
    value = hex_color.lstrip("#")
    return pysubs2.Color(int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha)


def write(
    hook: HookText,
    path: Path,
    *,
    width: int,
    height: int,
    font: HookFont,
    text_color: str = "#FFFFFF",
    box_color: str = "#000000",
    seconds: float = SECONDS,
) -> Path:
    """The hook as an .ass file: centred in its box, from 0 to `seconds`, fading in and out."""
    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": str(width), "PlayResY": str(height), "WrapStyle": "2",
                      "ScaledBorderAndShadow": "yes"})  # fmt: skip
    pad = round(hook.size * PAD)
    subs.styles["Hook"] = pysubs2.SSAStyle(
        fontname=font.family, fontsize=hook.size, bold=True,
        primarycolor=_ass_color(text_color), outlinecolor=_ass_color(box_color, 0x30), backcolor=_ass_color(box_color, 0xFF),
        borderstyle=3, outline=pad, shadow=0, alignment=pysubs2.Alignment.TOP_CENTER,
        marginl=hook.box.x, marginr=width - hook.box.right, marginv=hook.box.y + pad,
    )  # fmt: skip
    text = "\\N".join(ass_escape(line) for line in hook.lines)
    subs.events.append(pysubs2.SSAEvent(start=0, end=round(seconds * 1000), style="Hook",
                                        text=f"{{\\fad({FADE_IN_MS},{FADE_OUT_MS})}}{text}"))  # fmt: skip
    subs.save(str(path), format_="ass")
    return path
