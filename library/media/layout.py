"""Where things go in the frame: a platform's safe area (the part its buttons, name and
description do not cover) and the box the captions occupy inside it.

`caption_box(preset, style)` is the one answer to "where can captions appear" for a preset and a
caption style: the caption writer places its lines inside it, and anything else laid out on the
frame (a logo, a hook, title cards) stays out of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from library.media.caption_style import render_style, stroke, template_size

MAX_LINES = 2  # a phrase never takes more than two lines
PITCH = 1.25  # line pitch in em (every script alike: each line is placed by its baseline)
BOX_PITCH = 1.5  # line pitch of the box template: the box's own padding above and below
BOX_PAD = 0.3  # the rounded box's padding left and right of the text, in em
BASELINE = 0.32  # the baseline sits this much em below the middle of its line's slot
GAP = 0.02  # share of the frame height kept between the captions and the safe area's edge


@dataclass(frozen=True)
class SafeArea:
    """Per cent of the frame the platform covers at each edge."""

    top: float = 12.0
    bottom: float = 25.0
    left: float = 6.0
    right: float = 13.0

    def box(self, width: int, height: int) -> Box:
        x, y = round(width * self.left / 100), round(height * self.top / 100)
        return Box(x, y, round(width * (1 - self.right / 100)) - x, round(height * (1 - self.bottom / 100)) - y)


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of the output frame."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, other: Box) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom

    def overlaps(self, other: Box) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom


class Frame(Protocol):
    """What layout needs of an export preset (library.presets.Preset has it)."""

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...

    def safe_area(self) -> SafeArea: ...


@dataclass(frozen=True)
class CaptionPlace:
    """How the caption writer places a phrase's lines: `em` (font size in pixels), the box they
    stay in, the x every line is centred on, and each line's slot (`pitch` tall) by position."""

    em: float
    box: Box
    position: str  # bottom | center | top
    centre_x: int
    pitch: float
    pad: float  # the rounded box's padding left and right of the text (0 without a box)
    bleed: float  # outline and shadow reach this far past the lines' slots (inside `box`)

    @property
    def max_width(self) -> float:
        """The widest a line's text may be (the box's padding, outline and shadow kept inside)."""
        return self.box.w - 2 * (self.pad + self.bleed)

    def slot_top(self, line: int, lines: int) -> float:
        """The top of line `line` (0-based) of a phrase of `lines` lines."""
        block = lines * self.pitch
        if self.position == "bottom":
            first = self.box.bottom - self.bleed - block
        elif self.position == "top":
            first = self.box.y + self.bleed
        else:
            first = self.box.y + (self.box.h - block) / 2
        return first + line * self.pitch

    def baseline(self, line: int, lines: int) -> float:
        return self.slot_top(line, lines) + self.pitch / 2 + BASELINE * self.em


def caption_place(*, width: int, height: int, safe: SafeArea, style: dict[str, Any] | None) -> CaptionPlace:
    """The caption geometry for a width x height frame with `safe` margins and a caption style:
    `margin_v` / `margin_h` (per cent) override the safe area's edges; `position` picks the band."""
    spec = render_style(style)
    em = float(spec["size"]) or template_size(spec["preset"]) * height
    area = safe.box(width, height)
    left, right = area.x, area.right
    if spec["margin_h"] is not None:
        left, right = round(width * spec["margin_h"] / 100), round(width * (1 - spec["margin_h"] / 100))
    boxed = spec["preset"] == "box"
    pitch = em * (BOX_PITCH if boxed else PITCH)
    bleed = sum(stroke(spec, em))
    tall = min(round(MAX_LINES * pitch + 2 * bleed), height)
    gap = round(height * GAP)
    position = spec["position"]
    if spec["margin_v"] is not None:
        edge = round(height * spec["margin_v"] / 100)
        top = edge if position == "top" else height - edge - tall
    elif position == "top":
        top = area.y + gap
    else:
        top = area.bottom - gap - tall
    if position == "center":
        top = round(height / 2 - tall / 2)
    top = min(max(0, top), height - tall)
    box = Box(left, top, right - left, tall)
    return CaptionPlace(em, box, position, box.x + box.w // 2, pitch, em * BOX_PAD if boxed else 0.0, bleed)


def caption_box(preset: Frame, style: dict[str, Any] | None) -> Box:
    """The box captions may occupy on a preset's frame with this caption style (two lines at
    most; the rounded boxes of the "box" template included)."""
    return caption_place(width=preset.width, height=preset.height, safe=preset.safe_area(), style=style).box
