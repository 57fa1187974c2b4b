"""Logo, hook, captions and title cards laid out together (library.media.composition): on every
built-in preset and a small custom one, for every logo corner and shape and every caption
position, the boxes are disjoint, inside the frame and inside the platform's safe area."""

from __future__ import annotations

import itertools

import pytest

from library.media import composition, titles
from library.media.layout import Box, SafeArea, caption_box
from library.presets import BUILT_IN, Preset

PRESETS = [*BUILT_IN.values(), Preset("small", "360x640", width=360, height=640)]
LOGOS = [(400, 100), (100, 400), (256, 256)]  # wide, tall, square
CORNERS = ["top-left", "top-right", "bottom-left", "bottom-right"]
CAPTIONS = [{"preset": "karaoke"}, {"preset": "box", "position": "top"}, {"preset": "pop", "position": "center"},
            {"preset": "grow", "position": "bottom", "margin_h": 10}]  # fmt: skip


def _inside(outer: Box, inner: Box) -> bool:
    return outer.contains(inner)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_logo_hook_captions_and_cards_never_overlap(preset: Preset) -> None:
    frame = Box(0, 0, preset.width, preset.height)
    checked = 0
    for logo, corner, style, scale in itertools.product(LOGOS, CORNERS, CAPTIONS, (0.1, 0.4)):
        captions = caption_box(preset, style)
        plan = composition.plan(width=preset.width, height=preset.height, safe=preset.safe_area(), captions=captions,
                                logo=logo, logo_position=corner, logo_scale=scale, hook=True, cards=True)  # fmt: skip
        case = (logo, corner, style, scale)
        assert plan.logo is not None and plan.hook is not None, case
        boxes = plan.boxes()
        for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
            assert not box_a.overlaps(box_b), (case, a, box_a, b, box_b)
        for name, box in boxes.items():
            assert _inside(frame, box), (case, name, box)
        assert _inside(plan.safe, plan.logo) and _inside(plan.safe, plan.hook), case
        assert plan.hook.y < preset.height / 2, "the hook is in the upper part of the frame"
        assert plan.logo.w <= round(preset.width * scale) + 1
        # The corner asked for: its left or right edge, above or below the hook.
        assert (plan.logo.x == plan.safe.x) == corner.endswith("left"), case
        if corner.startswith("top"):
            assert plan.logo.bottom <= plan.hook.y, case
        else:
            assert plan.logo.y >= plan.hook.bottom, case
        # A title card's text and panel, laid out in the card area, stay clear of the logo.
        assert plan.card is not None and not plan.card.overlaps(plan.logo), case
        card = titles.layout(titles.TEMPLATES["announcement"], {"headline": "A long headline for a summer sale",
                             "body": "Free shipping on every order this week, in every store"},
                             width=preset.width, height=preset.height,
                             area=(plan.card.x, plan.card.y, plan.card.w, plan.card.h))  # fmt: skip
        panel = Box(*card.panel)
        assert _inside(plan.card, panel) and not panel.overlaps(plan.logo), (case, panel, plan.card)
        checked += 1
    assert checked == len(LOGOS) * len(CORNERS) * len(CAPTIONS) * 2


def test_a_logo_sharing_the_captions_edge_steps_clear_of_them() -> None:
    preset = BUILT_IN["tiktok"]
    captions = caption_box(preset, {"preset": "box"})
    plan = composition.plan(width=1080, height=1920, safe=preset.safe_area(), captions=captions, logo=(300, 300),
                            logo_position="bottom-left", logo_scale=0.2)  # fmt: skip
    assert plan.logo is not None and plan.logo.bottom < captions.y
    assert plan.logo.x == plan.safe.x


def test_without_room_the_hook_is_left_out_rather_than_overlapping() -> None:
    crowded = SafeArea(top=30, bottom=40, left=5, right=5)
    captions = caption_box(Preset("x", "x", safe_top=30, safe_bottom=40, safe_left=5, safe_right=5),
                           {"position": "top", "size": 250})  # fmt: skip
    plan = composition.plan(width=1080, height=1920, safe=crowded, captions=captions, logo=(100, 400),
                            logo_position="top-left", logo_scale=0.4, hook=True)  # fmt: skip
    if plan.hook is not None:
        assert all(not plan.hook.overlaps(box) for name, box in plan.boxes().items() if name != "hook")
