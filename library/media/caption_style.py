"""The caption style a profile or a clip carries, and the one validator every place that accepts
one uses (profile, clip content, one-click). Known keys only; each key has a type and a range;
colours are #RRGGBB; a font is one of the installed families (matched regardless of case and
stored as fontconfig spells it). A style value ends up inside the .ass file libass reads, whose
lines and comma-separated fields a newline or a comma could break out of: nothing but a known
family name ever gets there.

Numbers are in pixels of the output frame (1080×1920 for the built-in presets), margins in per
cent of the frame. Absent keys take DEFAULT_STYLE; the stored style holds only the keys given.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from library.media import fonts

PRESETS = ("karaoke", "pop", "plain")
POSITIONS = ("bottom", "center", "top")
MAX_FONT_NAME = 100

DEFAULT_STYLE: dict[str, Any] = {
    "preset": "karaoke",
    "font": "",  # empty: chosen from the script of the text
    "size": 0,  # 0: 4% of the frame height
    "color": "#FFFFFF",
    "highlight_color": "#FFD400",
    "outline_color": "#000000",
    "outline": 5,
    "shadow": 1,
    "bold": True,
    "uppercase": False,
    "position": "bottom",
    "margin_v": None,  # None: clear of the platforms' buttons at the bottom, 8% at the top
    "margin_h": None,  # None: 8% of the width on each side
}
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
    "outline": _number(0, 20),
    "shadow": _number(0, 20),
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
