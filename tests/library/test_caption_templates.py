"""Caption templates, safe areas and the pad background (issue 18, points 1 and 7), judged on
rendered frames: small ones (360x640, the built-in presets' proportions), flat backgrounds."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from editai.oneclick.services import _variant_style
from library.media import captions
from library.media.caption_style import DEFAULT_STYLE, TEMPLATES, stroke
from library.media.graphs.encode import Encoding
from library.media.graphs.pieces import Piece
from library.media.layout import Box, caption_box, caption_place
from library.media.render import RenderSpec, render_graph
from library.models import Job
from library.presets import BUILT_IN, Preset
from tests.library.test_caption_scripts import BACKGROUND, H, W, burn_filter, iou, lit_mask, save, text_mask
from tests.media import make_video

PHRASE = ["Meet", "the", "bunny", "who", "wakes", "up", "early"]  # two lines at the default sizes


def small(preset: Preset) -> Preset:
    return dataclasses.replace(preset, width=W, height=H)


def frames_of(words: list[str], tmp: Path, *, preset: Preset, style: dict[str, Any]) -> list[np.ndarray]:
    """RGB frames at the middle of each word (0.5 s each) of captions made for `preset`."""
    timed = [captions.Word(text, i * 0.5, i * 0.5 + 0.5) for i, text in enumerate(words)]
    fonts_dir = tmp / "fonts"
    tmp.mkdir(parents=True, exist_ok=True)
    ass = captions.write_ass(timed, tmp / "c.ass", width=preset.width, height=preset.height, style=style,
                             safe=preset.safe_area(), fonts_dir=fonts_dir)  # fmt: skip
    pick = "+".join(f"eq(n,{2 * i + 1})" for i in range(len(words)))
    colour = "0x{:02X}{:02X}{:02X}".format(*BACKGROUND)
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", f"color=c={colour}:s={W}x{H}:r=4:d={len(words) * 0.5}",
         "-vf", f"{burn_filter(ass, fonts_dir)},select='{pick}'", "-vsync", "0", "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return list(np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3))


def bbox(mask: np.ndarray) -> Box:
    ys, xs = np.nonzero(mask)
    return Box(int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_each_template_is_legible_by_default_at_1080x1920(template: str) -> None:
    """The em is 5-7 % of the frame height; the text has a thick outline and a shadow, or a box."""
    place = caption_place(width=1080, height=1920, safe=BUILT_IN["tiktok"].safe_area(), style={"preset": template})
    assert 0.05 <= place.em / 1920 <= 0.07
    outline, shadow = stroke({**DEFAULT_STYLE, "preset": template}, place.em)
    assert (outline >= 0.08 * place.em and shadow > 0) or template == "box"
    assert outline >= 8 or template == "box"  # pixels at 1080x1920: was 5 for 77 px text


def test_the_default_caption_is_about_three_times_the_old_cap_height(tmp_path: Path) -> None:
    """Rendered, upper-case, no outline: the capitals' height is 0.71 em, 3.6-5 % of the frame
    (the old default drew 2.1 %)."""
    [frame] = frames_of(["HELLO"], tmp_path, preset=small(BUILT_IN["tiktok"]),
                        style={"preset": "plain", "outline": 0, "shadow": 0})  # fmt: skip
    height = bbox(frame.min(axis=2) > 150).h / H
    assert 0.033 <= height <= 0.05, height


@pytest.mark.parametrize("name", sorted(BUILT_IN))
@pytest.mark.parametrize("template", ["karaoke", "box"])
def test_captions_stay_inside_the_platforms_safe_area(tmp_path: Path, name: str, template: str) -> None:
    """Every caption pixel of a two-line phrase, in every word's frame, is inside the preset's
    safe area and inside caption_box(preset, style), the box other overlays keep out of."""
    preset = small(BUILT_IN[name])
    style = {"preset": template}
    frames = frames_of(PHRASE, tmp_path, preset=preset, style=style)
    drawn = np.any([text_mask(f) for f in frames], axis=0)
    ink = bbox(drawn)
    assert preset.safe_area().box(W, H).contains(ink), (name, ink)
    assert caption_box(preset, style).contains(ink), (name, ink, caption_box(preset, style))
    assert ink.bottom > H * 0.6, "bottom captions sit low in the safe area"
    if template == "box" and name == "tiktok":
        save(frames[:3], "box-tiktok")


def test_each_platform_keeps_its_own_margins() -> None:
    """Shorts keeps more of the bottom than TikTok; every preset keeps the right-hand button
    column: the caption band is shifted left of the frame's centre."""
    boxes = {name: caption_box(small(p), {}) for name, p in BUILT_IN.items()}
    assert boxes["youtube_shorts"].bottom < boxes["tiktok"].bottom
    assert boxes["instagram_reels"].bottom < boxes["tiktok"].bottom
    for box in boxes.values():
        assert W - box.right > box.x  # more room kept on the right than on the left


def test_a_position_override_still_wins(tmp_path: Path) -> None:
    preset = small(BUILT_IN["tiktok"])
    [top] = frames_of(["Hello"], tmp_path, preset=preset, style={"position": "top"})
    assert bbox(text_mask(top)).y < H * 0.2 and bbox(text_mask(top)).y >= H * 0.08
    [low] = frames_of(["Hello"], tmp_path, preset=preset, style={"margin_v": 5})
    assert bbox(text_mask(low)).bottom > H * 0.9  # the user asked for the buttons' zone: granted


def test_the_box_template_draws_a_rounded_box_behind_each_line(tmp_path: Path) -> None:
    preset = small(BUILT_IN["tiktok"])
    style = {"preset": "box", "box_color": "#101010", "box_opacity": 1}
    frames = frames_of(PHRASE[:6], tmp_path, preset=preset, style=style)
    frame = frames[0]
    box = np.abs(frame.astype(int) - 16).max(axis=2) < 12
    rows = np.nonzero(box.any(axis=1))[0]
    lines = np.split(rows, np.nonzero(np.diff(rows) > 1)[0] + 1)
    assert len(lines) == 2, "one box per line"
    fill = (frame.min(axis=2) > 150) | lit_mask(frame)
    for line in lines:
        part = np.zeros_like(box)
        part[line] = box[line]
        b = bbox(part)
        inside = fill[b.y : b.bottom, :]
        assert (fill[line].sum() > 100) and inside[:, : b.x].sum() == 0 and inside[:, b.right :].sum() == 0
        # Round corners: the corner pixel is background, the edge a few pixels in is box.
        assert not part[b.y, b.x] and not part[b.bottom - 1, b.right - 1]
        assert part[b.y + b.h // 2, b.x] and part[b.y, b.x + b.w // 2]
    # The lit word walks, the boxes stay.
    assert all(iou(text_mask(frames[0]), text_mask(f)) > 0.97 for f in frames[1:])


def test_grow_makes_the_spoken_word_larger(tmp_path: Path) -> None:
    preset = small(BUILT_IN["tiktok"])
    words = ["Big", "news", "today"]
    grown = frames_of(words, tmp_path / "g", preset=preset, style={"preset": "grow"})
    plain = frames_of(words, tmp_path / "k", preset=preset, style={"preset": "karaoke"})
    for g, k in zip(grown, plain, strict=True):
        ratio = bbox(lit_mask(g)).h / bbox(lit_mask(k)).h
        assert 1.15 <= ratio <= 1.35, ratio
    save(grown, "grow")


def test_pop_shows_one_word_at_a_time_and_fits_a_long_one(tmp_path: Path) -> None:
    preset = small(BUILT_IN["tiktok"])
    words = ["Wow", "Supercalifragilisticexpialidocious"]
    doc = captions.build_ass([captions.Word(t, i, i + 1) for i, t in enumerate(words)], width=W, height=H,
                             style={"preset": "pop"}, safe=preset.safe_area())  # fmt: skip
    assert [e.plaintext for e in doc.events] == words
    frames = frames_of(words, tmp_path, preset=preset, style={"preset": "pop"})
    # Sampled after the 90 ms pop: the long word is shrunk to the safe width.
    assert preset.safe_area().box(W, H).contains(bbox(text_mask(frames[1])))


def _luma(path: Path, at: float) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-ss", f"{at}", "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(H, W).astype(float)


def test_the_pad_layout_darkens_its_blurred_background(tmp_path: Path) -> None:
    """A 16:9 source padded into 9:16: the blurred band above and below the footage is 40 %
    darker (by default) than the same render undarkened; the footage itself is untouched."""
    source = make_video(tmp_path / "s.mp4", seconds=1, size="320x180", audio=False)
    lumas = {}
    for darken in (0.0, 0.4):
        out = tmp_path / f"pad-{darken}.mp4"
        spec = RenderSpec(pieces=[Piece(source, 0, 1, has_audio=False)], output=out,
                          encoding=Encoding(width=W, height=H, preset="ultrafast"), pad_darken=darken)  # fmt: skip
        subprocess.run(render_graph(spec).compile(cmd="ffmpeg", overwrite_output=True), check=True,
                       capture_output=True, timeout=60)  # fmt: skip
        lumas[darken] = _luma(out, 0.5)
    band = slice(H // 2 - 80, H // 2 + 80)  # the footage: 360x202 in the middle
    background = np.r_[0:200, H - 200 : H]
    ratio = (lumas[0.4][background].mean() - 16) / (lumas[0.0][background].mean() - 16)
    assert 0.5 <= ratio <= 0.65, ratio  # measured 0.54: 40 % off the luma, a little more after encoding
    assert abs(lumas[0.4][band].mean() - lumas[0.0][band].mean()) < 1
    assert lumas[0.4][band].mean() - lumas[0.4][background].mean() > 25  # the band reads


def test_a_presets_pad_darkening_and_safe_area_are_its_own(alice_client: Any) -> None:
    response = alice_client.post("/api/v1/library/presets/", {
        "name": "story", "safe_bottom": 30, "safe_right": 15, "pad_darken": 60,
    }, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    own = alice_client.get("/api/v1/library/presets/story/").json()
    assert (own["safe_bottom"], own["safe_right"], own["safe_top"], own["pad_darken"]) == (30, 15, 12, 60)
    built_in = alice_client.get("/api/v1/library/presets/tiktok/").json()
    assert (built_in["safe_bottom"], built_in["safe_right"]) == (20, 13)
    for bad in ({"safe_bottom": 80}, {"safe_top": 40, "safe_bottom": 40}, {"pad_darken": -5}, {"safe_left": "x"}):
        refused = alice_client.patch("/api/v1/library/presets/story/", bad, format="json")
        assert refused.status_code == 400, (bad, refused.content)


def test_one_click_rotates_caption_templates_over_the_variants(alice_client: Any, store: dict) -> None:
    body = {"source_video": str(store["video"].pk), "variant_count": 3}
    refused = alice_client.post("/api/v1/library/one-click/", {**body, "rotate": ["box", "sparkle"]}, format="json")
    assert refused.status_code == 400 and "rotate" in refused.json()
    assert alice_client.post("/api/v1/library/one-click/", {**body, "rotate": []}, format="json").status_code == 400
    assert not Job.all_objects.exists()
    params = {"caption_style": {"color": "#00FF00"}, "rotate": ["box", "grow"]}
    project = store["clip"].project
    styles = [_variant_style(project, params, n) for n in range(3)]
    assert styles == [{"color": "#00FF00", "preset": p} for p in ("box", "grow", "box")]
    project.profile.caption_style = {"highlight_color": "#FF0000"}
    assert _variant_style(project, {"rotate": ["pop"]}, 0) == {"highlight_color": "#FF0000", "preset": "pop"}
    assert _variant_style(project, {"caption_style": {"preset": "plain"}}, 1) == {"preset": "plain"}


def test_a_brand_font_file_is_measured_and_boxed_like_the_others(tmp_path: Path) -> None:
    """A font file fontconfig does not list (a brand kit's) becomes the family when it covers
    the text: libass gets it through fontsdir, and the boxes are measured with it."""
    brand = tmp_path / "Brand.ttf"
    brand.write_bytes(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf").read_bytes())
    words = [captions.Word(t, i * 0.5, i * 0.5 + 0.5) for i, t in enumerate(PHRASE[:4])]
    doc = captions.build_ass(words, width=W, height=H, style={"preset": "box"}, font_file=brand)
    assert doc.styles["Caption"].fontname == "DejaVu Sans"
    chinese = [captions.Word("你好", 0, 1)]
    assert captions.build_ass(chinese, width=W, height=H, font_file=brand).styles["Caption"].fontname == (
        "Noto Sans CJK SC"
    )  # the brand font has no Chinese: the script's family
    fonts_dir = tmp_path / "fonts"
    ass = captions.write_ass(words, tmp_path / "c.ass", width=W, height=H, style={"preset": "box", "box_opacity": 1,
                             "box_color": "#101010"}, fonts_dir=fonts_dir, font_file=brand)  # fmt: skip
    assert (fonts_dir / "Brand.ttf").exists()
    colour = "0x{:02X}{:02X}{:02X}".format(*BACKGROUND)
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", f"color=c={colour}:s={W}x{H}:r=4:d=0.5",
         "-vf", burn_filter(ass, fonts_dir), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    frame = np.frombuffer(raw, np.uint8).reshape(H, W, 3)
    box = bbox(np.abs(frame.astype(int) - 16).max(axis=2) < 12)
    letters = bbox((frame.min(axis=2) > 150) | lit_mask(frame))
    assert box.contains(letters) and letters.x - box.x >= 3 and box.right - letters.right >= 3, (box, letters)
