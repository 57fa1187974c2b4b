"""The brand kit's files, checked by opening them: a logo (PNG or WebP, re-encoded by us to a
plain RGBA PNG, so nothing of the uploaded bytes reaches ffmpeg) and a font (TrueType or OpenType
that FreeType opens and that draws Latin letters).

SVG is refused on purpose: it is a document (scripts, external references), not a picture."""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

from PIL import Image, ImageFont

LOGO_FORMATS = ("PNG", "WEBP")
LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MAX_PIXELS = 4096 * 4096  # decoded size: a small file may decode to a huge picture
LOGO_MIN_SIDE = 16
LOGO_KEEP_SIDE = 1024  # stored at most this large: a watermark is never drawn bigger
FONT_MAX_BYTES = 20 * 1024 * 1024
# sfnt magic numbers: TrueType (1.0 and Apple's "true") and OpenType with CFF outlines.
FONT_MAGIC = (b"\x00\x01\x00\x00", b"true", b"OTTO")


class BadAsset(ValueError):
    """The file is not a usable logo or font; the message says why, for the user."""


def logo_normalize(src: Path, dest: Path) -> tuple[int, int]:
    """Open `src` as a PNG or WebP picture, refuse anything else, and write it to `dest` as an
    RGBA PNG (at most LOGO_KEEP_SIDE on its long side). Returns the stored width and height."""
    if src.stat().st_size > LOGO_MAX_BYTES:
        raise BadAsset(f"The logo is larger than {LOGO_MAX_BYTES // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(src, formats=list(LOGO_FORMATS)) as probe:
                kind = probe.format
                if probe.width * probe.height > LOGO_MAX_PIXELS:
                    raise BadAsset(f"The logo is {probe.width}x{probe.height}: at most 4096x4096 pixels.")
                probe.verify()  # checksums and structure, before decoding anything
            with Image.open(src, formats=list(LOGO_FORMATS)) as picture:
                picture.seek(0)  # an animated WebP: its first frame
                rgba = picture.convert("RGBA")
    except BadAsset:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadAsset("Not a PNG or WebP picture (SVG and other formats are not accepted).") from None
    if kind not in LOGO_FORMATS:
        raise BadAsset("Not a PNG or WebP picture.")
    if min(rgba.size) < LOGO_MIN_SIDE:
        raise BadAsset(f"The logo is {rgba.width}x{rgba.height}: at least {LOGO_MIN_SIDE} pixels on each side.")
    if rgba.getchannel("A").getbbox() is None:
        raise BadAsset("The logo is fully transparent.")
    rgba.thumbnail((LOGO_KEEP_SIDE, LOGO_KEEP_SIDE), Image.Resampling.LANCZOS)
    rgba.save(dest, format="PNG")
    return rgba.width, rgba.height


def font_check(path: Path) -> str:
    """The family name of the TrueType/OpenType font at `path`, as FreeType (and so libass and
    drawtext) reads it. Refuses collections, web fonts, anything FreeType cannot open, fonts
    without Latin letters, and family names that could not sit in an .ass style line."""
    if path.stat().st_size > FONT_MAX_BYTES:
        raise BadAsset(f"The font is larger than {FONT_MAX_BYTES // (1024 * 1024)} MB.")
    with path.open("rb") as handle:
        if handle.read(4) not in FONT_MAGIC:
            raise BadAsset("Not a TrueType or OpenType font (.ttf or .otf).")
    try:
        face = ImageFont.truetype(str(path), 48)
        family = face.getname()[0] or ""
        box = face.getbbox("Hamburgefonstiv")
    except (OSError, ValueError):
        raise BadAsset("Not a TrueType or OpenType font that can be opened.") from None
    if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
        raise BadAsset("The font draws no Latin letters.")
    family = family.strip()
    # ',' splits an .ass style line; '{', '}' and a backslash would close or open {\fn...} tags.
    bad = any(unicodedata.category(ch).startswith("C") or ch in ",{}\\" for ch in family)
    if not family or bad or len(family) > 100:
        raise BadAsset("The font's family name is missing or unusable.")
    return family
