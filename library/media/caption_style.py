"""The caption style a profile or a clip carries, and the one validator every place that accepts
one uses (profile, clip content, one-click). Known keys only; each key has a type and a range;
colours are #RRGGBB; a font is one of the installed families (matched regardless of case and
stored as fontconfig spells it). A style value ends up inside the .ass file libass reads, whose
lines and comma-separated fields a newline or a comma could break out of: nothing but a known
family name ever gets there.

Numbers are in pixels of the output frame (1080×1920 for the built-in presets), margins in per
cent of the frame; `size` is the em (the font size as a designer means it). Absent keys take the
template's defaults (TEMPLATES, over DEFAULT_STYLE); the stored style holds only the keys given.

Templates (`preset`): karaoke (the phrase stays, the spoken word takes the highlight colour), pop
(one word at a time, popping in), plain (the phrase), box (the phrase on a rounded box, the spoken
word highlighted) and grow (the phrase, the spoken word larger and highlighted).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from library.media import fonts

PRESETS = ("karaoke", "pop", "plain", "box", "grow")
POSITIONS = ("bottom", "center", "top")
MAX_FONT_NAME = 100

DEFAULT_STYLE: dict[str, Any] = {
    "preset": "karaoke",
    "font": "",  # empty: chosen from the script of the text
    "size": 0,  # 0: the template's share of the frame height (TEMPLATES)
    "color": "#FFFFFF",
    "highlight_color": "#FFD400",
    "outline_color": "#000000",
    "outline": None,  # None: the template's share of the size
    "shadow": None,
    "box_color": "#000000",  # the box template's background
    "box_opacity": 0.7,
    "bold": True,
    "uppercase": False,
    "position": "bottom",
    "margin_v": None,  # None: inside the export preset's safe area (layout.caption_place)
    "margin_h": None,  # None: likewise, left and right
}
# Per template: the automatic size (share of the frame height) and the outline and shadow (shares
# of the size). Outlined white at 5.5 % of the height reads over bright footage; the box template
# carries its own contrast.
TEMPLATES: dict[str, dict[str, float]] = {
    "karaoke": {"size": 0.055, "outline": 0.09, "shadow": 0.05},
    "pop": {"size": 0.07, "outline": 0.09, "shadow": 0.05},
    "plain": {"size": 0.05, "outline": 0.09, "shadow": 0.05},
    "box": {"size": 0.05, "outline": 0.0, "shadow": 0.0},
    "grow": {"size": 0.055, "outline": 0.09, "shadow": 0.05},
}
GROW = 1.25  # the grow template's spoken word, against the rest of the phrase

HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
NOT_AN_OBJECT = "non_field_errors"


class StyleError(ValueError):
    """A style that breaks the rules: `errors` maps each bad key to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors

    @property
    def detail(self) -> dict[str, str] | list[str]:
        """For an API field error: per key, or one message when the style is not an object."""
        return [self.errors[NOT_AN_OBJECT]] if NOT_AN_OBJECT in self.errors else self.errors


def _choice(options: tuple[str, ...]) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value not in options:
            raise ValueError(f"Must be one of {', '.join(options)}.")
        return value

    return check


def _number(
    low: float, high: float, *, whole: bool = False, zero: bool = False, null: bool = False
) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value is None and null:
            return None
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise ValueError("Must be a whole number." if whole else "Must be a number.")
        if not (low <= value <= high or (zero and value == 0)):
            raise ValueError(f"Must be {'0 (automatic) or ' if zero else ''}between {low:g} and {high:g}.")
        return value

    return check


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Must be true or false.")
    return value


def _color(value: object) -> str:
    if not isinstance(value, str) or not HEX_COLOR.fullmatch(value):
        raise ValueError("Must be a colour written #RRGGBB (for example #FFD400).")
    return value.upper()


def _font(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("Must be a font family name.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value):
        raise ValueError("Must not contain control characters.")
    if len(value) > MAX_FONT_NAME:
        raise ValueError(f"At most {MAX_FONT_NAME} characters.")
    if not value.strip():
        return ""
    family = fonts.font_families().get(value.strip().casefold())
    if family is None:
        raise ValueError(f"{value[:40]!r} is not an installed font family (see fc-list), or empty for automatic.")
    return family


RULES: dict[str, Callable[[object], object]] = {
    "preset": _choice(PRESETS),
    "font": _font,
    "size": _number(10, 300, whole=True, zero=True),
    "color": _color,
    "highlight_color": _color,
    "outline_color": _color,
    "outline": _number(0, 20, null=True),
    "shadow": _number(0, 20, null=True),
    "box_color": _color,
    "box_opacity": _number(0, 1),
    "bold": _boolean,
    "uppercase": _boolean,
    "position": _choice(POSITIONS),
    "margin_v": _number(0, 45, null=True),
    "margin_h": _number(0, 40, null=True),
}


def validate_style(style: object) -> dict[str, Any]:
    """The style with each given key checked and written canonically (colours in capitals,
    fonts as installed). Raises StyleError naming every bad key."""
    if not isinstance(style, dict):
        raise StyleError({NOT_AN_OBJECT: "Must be a JSON object."})
    cleaned, errors = {}, {}
    for key, value in style.items():
        rule = RULES.get(key)
        if rule is None:
            errors[str(key)] = f"Unknown key. Known keys: {', '.join(RULES)}."
            continue
        try:
            cleaned[key] = rule(value)
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise StyleError(errors)
    return cleaned


def render_style(style: object) -> dict[str, Any]:
    """The full style a render uses. Lenient, for rows saved before validate_style existed:
    an unknown key is ignored and a bad value takes its default, so an old row renders
    (safely) rather than failing."""
    merged = dict(DEFAULT_STYLE)
    for key, value in (style if isinstance(style, dict) else {}).items():
        if key in RULES:
            with contextlib.suppress(ValueError):  # the default stays
                merged[key] = RULES[key](value)
    return merged


def template_size(preset: str) -> float:
    """The automatic em of a template, as a share of the frame height."""
    return TEMPLATES.get(preset, TEMPLATES["karaoke"])["size"]


def stroke(spec: dict[str, Any], em: float) -> tuple[float, float]:
    """(outline, shadow) in pixels: as set, or the template's share of the em."""
    shares = TEMPLATES.get(spec["preset"], TEMPLATES["karaoke"])
    outline = spec["outline"] if spec["outline"] is not None else round(shares["outline"] * em, 1)
    shadow = spec["shadow"] if spec["shadow"] is not None else round(shares["shadow"] * em, 1)
    return float(outline), float(shadow)
