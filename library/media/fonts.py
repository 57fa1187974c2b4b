"""Fonts for text we draw with ffmpeg: which installed font covers which characters (asked of
fontconfig once), text split into runs of one font each, and run widths measured the way
drawtext will draw them (Pillow over FreeType, basic layout: advances plus kerning).

Noto comes first: a block of text gets the Noto face that covers most of it, and characters it
lacks (a Latin brand name inside Arabic, Devanagari inside English) fall back, run by run, to
the first face that has them.
"""

from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont


@dataclass(frozen=True)
class FontFile:
    path: str
    family: str
    style: str
    ranges: tuple[tuple[int, int], ...]

    def covers(self, char: str) -> bool:
        code = ord(char)
        return any(low <= code <= high for low, high in self.ranges)

    @property
    def preference(self) -> int:
        family = self.family
        if family == "Noto Sans":
            return 0
        if family.startswith("Noto Sans") and not any(w in family for w in ("Mono", "Display", "Symbols")):
            return 1
        if family.startswith("Noto"):
            return 2
        return 3 if family.startswith("DejaVu Sans") else 4


@dataclass(frozen=True)
class Run:
    text: str
    fontfile: str


def _ranges(charset: str) -> tuple[tuple[int, int], ...]:
    ranges = []
    for part in charset.split():
        low, _, high = part.partition("-")
        ranges.append((int(low, 16), int(high or low, 16)))
    return tuple(ranges)


@lru_cache(maxsize=1)
def installed_fonts() -> tuple[FontFile, ...]:
    """Upright regular and bold faces fontconfig knows, best first, with their coverage."""
    out = subprocess.run(
        ["fc-list", "--format", "%{file}|%{family[0]}|%{style[0]}|%{charset}\n"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    fonts = []
    for line in out.stdout.splitlines():
        path, family, style, charset = [*line.split("|"), "", "", ""][:4]
        if style in ("Regular", "Book", "Bold") and path.endswith((".ttf", ".otf")):
            fonts.append(FontFile(path, family, style, _ranges(charset)))
    if not fonts:
        raise RuntimeError("fontconfig lists no usable fonts; install fonts-noto-core")
    return tuple(sorted(fonts, key=lambda f: (f.preference, f.family, f.path)))


@lru_cache(maxsize=1)
def font_families() -> dict[str, str]:
    """Every family name fontconfig knows, casefolded -> as fontconfig spells it: the names a
    caption style may use (libass finds fonts through fontconfig by family)."""
    out = subprocess.run(
        ["fc-list", "--format", "%{family}\n"], capture_output=True, text=True, timeout=30, check=False
    )
    families: dict[str, str] = {}
    for line in out.stdout.splitlines():
        for name in line.split(","):  # a face lists its family in several languages
            if name.strip():
                families.setdefault(name.strip().casefold(), name.strip())
    return families


@lru_cache(maxsize=1)
def _by_path() -> dict[str, FontFile]:
    return {font.path: font for font in installed_fonts()}


def _ordered(bold: bool) -> list[FontFile]:
    return sorted(installed_fonts(), key=lambda f: (f.preference, (f.style == "Bold") != bold))


@lru_cache(maxsize=512)
def primary_font(chars: frozenset[str], *, bold: bool) -> str:
    """The face for a block of text: the Noto face covering most of its characters (the first
    one when several cover all), any face only when no Noto face covers any of them."""
    wanted = [c for c in chars if not c.isspace()]
    ordered = _ordered(bold)
    for pool in ([f for f in ordered if f.preference <= 2], ordered):
        best, best_count = None, 0
        for font in pool:
            count = sum(1 for c in wanted if font.covers(c))
            if count > best_count:
                best, best_count = font, count
            if count == len(wanted) and best is not None:
                break
        if best is not None:
            return best.path
    return ordered[0].path


@lru_cache(maxsize=4096)
def fallback_for(char: str, *, bold: bool) -> str | None:
    return next((f.path for f in _ordered(bold) if f.covers(char)), None)


def runs(text: str, *, bold: bool, primary: str) -> list[Run]:
    """The text cut where the font must change, in logical order. A character no face has
    stays in the current run (drawn as a box, and reported by missing())."""
    fonts = _by_path()
    out: list[Run] = []
    current, buffer = primary, ""
    for char in text:
        if fonts[current].covers(char) or char.isspace():
            buffer += char
            continue
        font = primary if fonts[primary].covers(char) else (fallback_for(char, bold=bold) or current)
        if font != current and buffer:
            out.append(Run(buffer, current))
            buffer = ""
        current = font
        buffer += char
    if buffer:
        out.append(Run(buffer, current))
    return out


def missing(text: str, *, bold: bool) -> set[str]:
    return {c for c in text if not c.isspace() and fallback_for(c, bold=bold) is None}


@lru_cache(maxsize=256)
def face(path: str, size: int, *, shaped: bool = False) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if shaped and ImageFont.core.HAVE_RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size, layout_engine=engine)


def width(text: str, fontfile: str, size: int) -> float:
    """How wide drawtext (ffmpeg 5, FreeType without HarfBuzz) draws this run: plain advances,
    except Arabic, which its FriBiDi pass joins into narrower contextual forms, as shaping does."""
    joined = any(unicodedata.bidirectional(c) == "AL" for c in text)
    return face(fontfile, size, shaped=joined).getlength(text)


def measure(text: str, *, size: int, bold: bool, primary: str) -> float:
    return sum(width(run.text, run.fontfile, size) for run in runs(text, bold=bold, primary=primary))


def is_rtl(text: str) -> bool:
    """Whether the text's first strong character is right-to-left (its base direction)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False
