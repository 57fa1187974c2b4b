"""Everything drawn over a clip, laid out together so nothing covers anything else: the logo
watermark, the opening hook, the captions and the intro/outro title cards.

The captions' box is given (layout.caption_box: it follows the platform's safe area and the
caption style) and never moves. The logo sits in its corner of the safe area, stepping clear of
the captions when they share its edge; the hook takes the upper band left between the top of
the safe area (or the logo) and whatever comes next; a title card's text keeps to the safe area
minus the logo's row. Cards are shown on frames of their own (before and after the clip), so
they share a frame with the logo only.
"""

from __future__ import annotations

from dataclasses import dataclass

from library.media.layout import Box, SafeArea

GAP = 0.015  # share of the frame height kept between any two boxes
LOGO_MAX_HEIGHT = 0.12  # a tall logo is scaled down to at most this share of the frame height
LOGO_MIN_SIDE = 8  # pixels: smaller than this, the logo is left out
HOOK_MAX_HEIGHT = 0.24  # the hook's band at most this share of the frame height
HOOK_MIN_HEIGHT = 0.06  # less room than this: no hook (it would be unreadable)


@dataclass(frozen=True)
class Plan:
    """Boxes in pixels of the output frame; None: not drawn."""

    width: int
    height: int
    safe: Box
    captions: Box | None
    logo: Box | None
    hook: Box | None  # the band the hook's text (with its box) stays in
    card: Box | None  # the area a title card's text and panel stay in

    def boxes(self) -> dict[str, Box]:
        named = {"captions": self.captions, "logo": self.logo, "hook": self.hook}
        return {name: box for name, box in named.items() if box is not None}


def _logo_size(width: int, height: int, source: tuple[int, int], scale: float) -> tuple[int, int]:
    """The logo's drawn size: `scale` of the frame width, its aspect kept, never taller than
    LOGO_MAX_HEIGHT of the frame."""
    src_w, src_h = source
    w = width * scale
    h = w * src_h / src_w
    limit = height * LOGO_MAX_HEIGHT
    if h > limit:
        w, h = w * limit / h, limit
    return max(round(w), 1), max(round(h), 1)


def _place_logo(size: tuple[int, int], position: str, safe: Box, captions: Box | None, gap: int) -> Box | None:
    """The logo in its corner of the safe area, or just clear of the captions; None: no room."""
    w, h = size
    top = position.startswith("top")
    x = safe.x if position.endswith("left") else safe.right - w
    y = safe.y if top else safe.bottom - h
    logo = Box(x, y, w, h)
    if captions is not None and logo.overlaps(captions):  # step clear of the captions, away from its edge
        y = captions.bottom + gap if top else captions.y - gap - h
        logo = Box(x, y, w, h)
    if logo.y < safe.y or logo.bottom > safe.bottom or (captions is not None and logo.overlaps(captions)):
        return None
    return logo


def plan(
    *,
    width: int,
    height: int,
    safe: SafeArea,
    captions: Box | None = None,
    logo: tuple[int, int] | None = None,
    logo_position: str = "top-right",
    logo_scale: float = 0.18,
    hook: bool = False,
    cards: bool = False,
) -> Plan:
    """Lay out a frame. `logo` is the logo file's (width, height); `captions` the caption box
    (None: no captions). A logo that cannot fit clear of the captions shrinks, and is left out
    only when it would drop below LOGO_MIN_SIDE; a hook with too little room is left out."""
    area = safe.box(width, height)
    gap = round(height * GAP)
    logo_box = None
    if logo is not None and min(logo) > 0:
        size = _logo_size(width, height, logo, logo_scale)
        while min(size) >= LOGO_MIN_SIDE:
            logo_box = _place_logo(size, logo_position, area, captions, gap)
            if logo_box is not None:
                break
            size = (round(size[0] * 0.8), round(size[1] * 0.8))
    hook_box = _hook_band(area, captions, logo_box, height, gap) if hook else None
    card_box = _card_area(area, logo_box, gap) if cards else None
    return Plan(width, height, area, captions, logo_box, hook_box, card_box)


def _hook_band(area: Box, captions: Box | None, logo: Box | None, height: int, gap: int) -> Box | None:
    """The upper band of the safe area below the logo (when it is at the top) and any captions
    placed at the top, and above anything lower down."""
    top = area.y
    for box in (captions, logo):
        if box is not None and box.y < area.y + (area.h // 3):  # in the upper part: the hook goes below it
            top = max(top, box.bottom + gap)
    bottom = min(top + round(height * HOOK_MAX_HEIGHT), area.bottom)
    for box in (captions, logo):
        if box is not None and box.y >= top:
            bottom = min(bottom, box.y - gap)
    if bottom - top < round(height * HOOK_MIN_HEIGHT):
        return None
    return Box(area.x, top, area.w, bottom - top)


def _card_area(area: Box, logo: Box | None, gap: int) -> Box:
    """The safe area without the logo's row."""
    if logo is None:
        return area
    if logo.y - area.y < area.bottom - logo.bottom:  # the logo is in the upper part
        top = logo.bottom + gap
        return Box(area.x, top, area.w, area.bottom - top)
    return Box(area.x, area.y, area.w, logo.y - gap - area.y)
