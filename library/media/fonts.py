"""Fonts for text we draw with ffmpeg: which installed font covers which characters (asked of
fontconfig once), text split into runs of one font each, and run widths measured the way
drawtext will draw them (Pillow over FreeType, basic layout: advances plus kerning).

Noto comes first: a block of text gets the Noto face that covers most of it, and characters it
lacks (a Latin brand name inside Arabic, Devanagari inside English) fall back, run by run, to
the first face that has them.
"""

from __future__ import annotations

import struct
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


@lru_cache(maxsize=64)
def font_at(path: str) -> FontFile:
    """Any font file (a brand kit's, not installed) as fontconfig reads it: family and coverage."""
    out = subprocess.run(
        ["fc-query", "--format", "%{family[0]}|%{style[0]}|%{charset}\n", path],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    family, style, charset = [*out.stdout.splitlines()[0].split("|"), "", "", ""][:3] if out.stdout else ("", "", "")
    return FontFile(path, family, style, _ranges(charset))


def _info(path: str) -> FontFile:
    return _by_path().get(path) or font_at(path)


def runs(text: str, *, bold: bool, primary: str) -> list[Run]:
    """The text cut where the font must change, in logical order. A character no face has
    stays in the current run (drawn as a box, and reported by missing())."""
    out: list[Run] = []
    current, buffer = primary, ""
    for char in text:
        if _info(current).covers(char) or char.isspace():
            buffer += char
            continue
        font = primary if _info(primary).covers(char) else (fallback_for(char, bold=bold) or current)
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


# --- Caption faces (libass) -------------------------------------------------------------------
# Captions are drawn by libass, which reads TrueType collections too (the CJK faces come as .ttc),
# picks faces by family name and sizes them by the OS/2 "win" height rather than the em. We choose
# the family from the script, measure with the same files (Pillow with HarfBuzz), and hand the same
# files to libass through `fontsdir`, so what we measure is what gets drawn.

# The first word of a character's Unicode name -> the family for that script (others: "Noto Sans
# <Script>" when installed). Han alone reads as Chinese; kana makes it Japanese, Hangul Korean.
SCRIPT_FAMILIES = {
    "LATIN": "Noto Sans", "GREEK": "Noto Sans", "CYRILLIC": "Noto Sans", "ARABIC": "Noto Sans Arabic",
    "CJK": "Noto Sans CJK SC", "IDEOGRAPHIC": "Noto Sans CJK SC", "FULLWIDTH": "Noto Sans CJK SC",
    "HIRAGANA": "Noto Sans CJK JP", "KATAKANA": "Noto Sans CJK JP", "HANGUL": "Noto Sans CJK KR",
}  # fmt: skip
NEUTRAL = ("DIGIT", "SPACE", "COMMA", "FULL", "HYPHEN", "QUOTATION", "APOSTROPHE", "EXCLAMATION", "QUESTION")
# Scripts written without spaces between words (no space is put between two of their words);
# in the CJK ones a line may also break between any two characters.
BREAK_ANYWHERE = ("CJK", "IDEOGRAPHIC", "HIRAGANA", "KATAKANA", "FULLWIDTH", "HALFWIDTH")
UNSPACED = (*BREAK_ANYWHERE, "THAI", "LAO", "KHMER", "MYANMAR")
PUNCTUATION_EXTRA = "、。，．！？：；）」』】〕》〉"  # never starts a CJK line


@dataclass(frozen=True)
class CaptionFace:
    family: str
    path: str
    index: int  # the face inside a collection (.ttc)
    em_per_size: float  # pixels of em per unit of ASS font size (libass's sizing rule)
    descent: float  # libass's line bottom below the baseline, in em (the OS/2 win descent)
    ranges: tuple[tuple[int, int], ...]

    def covers(self, char: str) -> bool:
        code = ord(char)
        return any(low <= code <= high for low, high in self.ranges)

    def pillow(self, em: float) -> ImageFont.FreeTypeFont:
        return _pillow(self.path, self.index, max(1, round(em * 4)))


@lru_cache(maxsize=64)
def _pillow(path: str, index: int, quarter_px: int) -> ImageFont.FreeTypeFont:
    # Measured at 4x and scaled back: whole-pixel sizes would round the advances.
    engine = ImageFont.Layout.RAQM if ImageFont.core.HAVE_RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, quarter_px, index=index, layout_engine=engine)


def _win_metrics(path: str, index: int) -> tuple[float, float]:
    """(unitsPerEm / (usWinAscent + usWinDescent), usWinDescent / unitsPerEm): libass asks
    FreeType for a face whose win height is the ASS font size (as VSFilter does), so one unit of
    size is that much em; a line's box ends the win descent below its baseline."""
    with open(path, "rb") as handle:
        data = handle.read(1 << 16)
    base = 0
    if data[:4] == b"ttcf":
        base = struct.unpack(">I", data[12 + 4 * index : 16 + 4 * index])[0]
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
    return units / (ascent + descent), descent / units


@lru_cache(maxsize=1)
def _caption_faces() -> dict[tuple[str, bool], CaptionFace]:
    out = subprocess.run(
        ["fc-list", "--format", "%{file}|%{index}|%{family[0]}|%{style[0]}|%{charset}\n"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    faces: dict[tuple[str, bool], CaptionFace] = {}
    for line in sorted(out.stdout.splitlines()):
        path, index, family, style, charset = [*line.split("|"), "", "", "", ""][:5]
        if style not in ("Regular", "Book", "Bold") or not path.endswith((".ttf", ".otf", ".ttc")):
            continue
        try:
            scale, descent = _win_metrics(path, int(index or 0))
        except (OSError, KeyError, ValueError, IndexError, struct.error):
            continue
        face = CaptionFace(family, path, int(index or 0), scale, descent, _ranges(charset))
        faces.setdefault((family.casefold(), style == "Bold"), face)
    return faces


@lru_cache(maxsize=16)
def caption_face_at(path: str) -> CaptionFace:
    """A font file that fontconfig does not list (a brand kit's) as a caption face; libass finds
    it through `fontsdir` by the family name it declares."""
    info = font_at(path)
    scale, descent = _win_metrics(path, 0)
    return CaptionFace(info.family, path, 0, scale, descent, info.ranges)


def caption_face(family: str, *, bold: bool, extra: CaptionFace | None = None) -> CaptionFace | None:
    """The installed face libass uses for `family` (the bold one when asked and installed), or
    `extra` (a face from a file, e.g. a brand font) when it is that family."""
    if extra is not None and family == extra.family:
        return extra
    faces = _caption_faces()
    key = family.casefold()
    return faces.get((key, bold)) or faces.get((key, not bold))


def script_of(char: str) -> str:
    """The script of a character as the first word of its Unicode name ("" for neutrals: spaces,
    digits, punctuation shared by every script)."""
    if char.isspace() or (unicodedata.category(char)[0] in "NPSZC" and ord(char) < 0x3000):
        return ""
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    return "" if first in NEUTRAL else first


def script_family(script: str) -> str | None:
    if script in SCRIPT_FAMILIES:
        return SCRIPT_FAMILIES[script]
    family = f"Noto Sans {script.title()}"
    return family if caption_face(family, bold=False) else None


def caption_family(text: str) -> str:
    """The family for a caption text: that of its most used non-Latin script (kana makes Han
    Japanese, Hangul Korean), else Noto Sans."""
    counts: dict[str, int] = {}
    for char in text:
        script = script_of(char)
        if script and script not in ("LATIN", "GREEK", "CYRILLIC"):
            counts[script] = counts.get(script, 0) + 1
    if "HIRAGANA" in counts or "KATAKANA" in counts:
        return SCRIPT_FAMILIES["HIRAGANA"]
    if "HANGUL" in counts:
        return SCRIPT_FAMILIES["HANGUL"]
    for script in sorted(counts, key=lambda s: -counts[s]):
        family = script_family(script)
        if family:
            return family
    return "Noto Sans"


def family_runs(text: str, *, primary: str, bold: bool, extra: CaptionFace | None = None) -> list[tuple[str, str]]:
    """The text cut where the family must change (logical order): characters the primary face
    lacks go to their script's family (a Latin brand name inside Arabic to Noto Sans)."""
    face = caption_face(primary, bold=bold, extra=extra)
    runs: list[tuple[str, str]] = []
    current, buffer = primary, ""
    for char in text:
        script = script_of(char)
        if not script:  # spaces, digits, punctuation: stay in the current run
            family = current
        elif face is not None and face.covers(char):
            family = primary
        else:
            family = script_family(script) or current
        if family != current and buffer:
            runs.append((buffer, current))
            buffer = ""
        current = family
        buffer += char
    if buffer:
        runs.append((buffer, current))
    return runs


def caption_width(text: str, *, primary: str, em: float, bold: bool, extra: CaptionFace | None = None) -> float:
    """How wide libass draws `text` at `em` pixels (each run in its family at the same em)."""
    total = 0.0
    for run, family in family_runs(text, primary=primary, bold=bold, extra=extra):
        face = caption_face(family, bold=bold, extra=extra)
        if face is None:
            total += em * 0.6 * len(run)
            continue
        total += face.pillow(em).getlength(run, direction=None) / 4
    return total


def is_unspaced(char: str) -> bool:
    """Whether the script of `char` writes words without spaces (Chinese, Japanese, Thai)."""
    return script_of(char) in UNSPACED or char in PUNCTUATION_EXTRA


def breaks_anywhere(char: str) -> bool:
    """Whether a line may break before `char` inside a word (CJK, but not before closing
    punctuation)."""
    return script_of(char) in BREAK_ANYWHERE and char not in PUNCTUATION_EXTRA


def base_rtl(text: str) -> bool:
    """Whether a caption reads right to left: most of its strong characters do (an Arabic
    sentence that starts with a Latin brand name is still Arabic)."""
    kinds = [unicodedata.bidirectional(c) for c in text]
    return sum(k in ("R", "AL") for k in kinds) > sum(k == "L" for k in kinds)


def direction(text: str) -> str:
    """ "rtl" or "ltr" by the first strong character, "" for none (digits, punctuation)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return ""
