"""Title cards: the layout keeps every line inside the safe area of 16:9 and 9:16 frames, and
each template renders text you can see on the video."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from library.media import fonts, titles
from tests.library.helpers import upload
from tests.library.tools_support import FFMPEG, output_path, post_job, run, streams
from tests.media import make_video

SAMPLES: dict[str, dict[str, Any]] = {
    "intro": {"team": "Growth team", "full_name": "Ada Lovelace", "role": "Head of Product"},
    "announcement": {"headline": "Free shipping all week", "body": "On every order over 30 euros, until Sunday."},
    "how-it-works": {"steps": ["Upload a video", "Pick the best moments", "Publish everywhere"]},
    "persona": {"name": "Dana Levi", "role": "Store owner", "quote": "Our reels finally look consistent."},
    "demo": {"product_name": "Blendr 3000", "features": ["Quiet motor", "Dishwasher safe", "Two-year warranty"]},
    "closing": {"call_to_action": "Shop the new collection", "url": "shop.example.com"},
}
LONGEST: dict[str, dict[str, Any]] = {
    "intro": {"team": "T" * 60, "full_name": "Maximiliana Wolfeschlegelsteinhausenberger-Dorff", "role": "word " * 16},
    "announcement": {"headline": "Big news " * 10, "body": "More words here. " * 14},
    "how-it-works": {"title": "How " * 15, "steps": ["step with several words " * 3] * 5},
    "persona": {"name": "N" * 60, "role": "R " * 40, "quote": "A long quote that goes on. " * 8},
    "demo": {"product_name": "Product " * 7, "features": ["feature words here " * 3] * 5},
    "closing": {"call_to_action": "Act now " * 11, "url": "https://example.com/" + "x" * 70},
}


def _inside_safe_area(card: titles.Layout) -> None:
    sx, sy, sw, sh = titles.safe_area(card.width, card.height)
    for draw in card.draws:
        width = fonts.width(draw.text, draw.fontfile, draw.size)
        left = (card.width - width) / 2 if draw.x == "(w-text_w)/2" else _left(draw.x, width)
        assert sx - 1 <= left and left + width <= sx + sw + 1, (draw.text, left, width, card.width)
        ascent, descent = fonts.face(draw.fontfile, draw.size).getmetrics()
        assert sy <= draw.baseline - ascent and draw.baseline + descent <= sy + sh, draw.text


def _left(x: str, width: float) -> float:
    return float(x.removesuffix("-text_w")) - width if x.endswith("-text_w") else float(x)


@pytest.mark.parametrize("aspect", [(1280, 720), (720, 1280)])
@pytest.mark.parametrize("name", list(titles.TEMPLATES))
def test_the_longest_fields_stay_in_the_safe_area(name: str, aspect: tuple[int, int]) -> None:
    template = titles.TEMPLATES[name]
    for fields in (SAMPLES[name], LONGEST[name]):
        card = titles.layout(template, titles.clean_fields(template, fields), width=aspect[0], height=aspect[1])
        assert card.draws
        _inside_safe_area(card)
    assert card.scale < 1.0, "the longest texts needed shrinking"


def test_a_short_card_is_not_shrunk_and_is_centred() -> None:
    template = titles.TEMPLATES["closing"]
    card = titles.layout(template, {"call_to_action": "Shop now"}, width=1280, height=720)
    assert card.scale == 1.0 and not card.truncated
    (draw,) = card.draws
    assert draw.x == "(w-text_w)/2" and draw.size == round(720 * titles.ROLES["title"].size)


def test_non_latin_text_gets_a_noto_face_that_covers_it() -> None:
    template = titles.TEMPLATES["intro"]
    fields = {"full_name": "مريم الحسيني", "role": "Διευθύντρια προϊόντος", "team": "हिन्दी टीम"}
    card = titles.layout(template, fields, width=720, height=1280)
    used = {Path(d.fontfile).name for d in card.draws}
    assert {"NotoSansArabic-Bold.ttf", "NotoSans-Regular.ttf", "NotoSansDevanagari-Bold.ttf"} <= used
    assert card.missing_glyphs == []
    _inside_safe_area(card)


def test_a_line_mixing_scripts_is_drawn_in_runs_right_to_left() -> None:
    template = titles.TEMPLATES["closing"]
    card = titles.layout(template, {"call_to_action": "تسوقوا من EditAI"}, width=1280, height=720)
    by_text = {d.text: d for d in card.draws}
    assert set(by_text) == {"تسوقوا من", "EditAI"}
    # Right to left: the Latin run, last in the text, is the leftmost.
    assert float(by_text["EditAI"].x) < float(by_text["تسوقوا من"].x)
    assert Path(by_text["تسوقوا من"].fontfile).name == "NotoSansArabic-Bold.ttf"
    assert Path(by_text["EditAI"].fontfile).name == "NotoSans-Bold.ttf"


@pytest.fixture
def backdrop(cast: Any, alice_client: Any, tmp_path: Path) -> tuple[dict, Path]:
    path = make_video(tmp_path / "backdrop.mp4", seconds=3, size="640x360")
    return upload(alice_client, path).json(), path


def _frame(path: Path, at: float, size: tuple[int, int]) -> bytes:
    return subprocess.run(
        [*FFMPEG, "-ss", str(at), "-i", str(path), "-frames:v", "1", "-vf", f"scale={size[0]}:{size[1]},format=gray",
         "-f", "rawvideo", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


def _mean_difference(a: bytes, b: bytes, width: int, box: tuple[int, int, int, int]) -> float:
    x, y, w, h = box
    total = sum(abs(a[r * width + c] - b[r * width + c]) for r in range(y, y + h) for c in range(x, x + w))
    return total / (w * h)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(titles.TEMPLATES))
def test_each_template_renders_text_over_the_video(alice_client: Any, backdrop: tuple[dict, Path], name: str) -> None:
    video, source = backdrop
    job = run(
        post_job(
            alice_client,
            f"/api/v1/tools/templates/{name}/render/",
            {"source_video": video["id"], "fields": SAMPLES[name]},
        )
    )
    out = output_path(job)
    info = streams(out)
    assert (info["video"]["width"], info["video"]["height"]) == (640, 360)
    assert float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.1) and "audio" in info
    assert job.result["end"] == 3.0 and job.result["missing_glyphs"] == []
    box = job.result["text_area"]
    shown, plain = _frame(out, 1.5, (640, 360)), _frame(source, 1.5, (640, 360))
    assert _mean_difference(shown, plain, 640, box) > 25, "the text area looks like the source"
    outside = (0, 0, 640, max(box[1] - 2, 1))  # above the card: untouched but for encoding
    assert _mean_difference(shown, plain, 640, outside) < 4
    assert job.output_name == f"backdrop-{name}.mp4"


@pytest.mark.django_db(transaction=True)
def test_a_card_can_reframe_to_9_16_and_show_for_part_of_the_video(alice_client: Any, tmp_path: Path) -> None:
    still = tmp_path / "still.mp4"  # a still picture: frames differ only by the card
    subprocess.run([*FFMPEG, "-f", "lavfi", "-i", "color=c=0x3060a0:s=640x360:d=3", "-pix_fmt", "yuv420p", str(still)],
                   check=True)  # fmt: skip
    video = upload(alice_client, still).json()
    body = {"source_video": video["id"], "fields": SAMPLES["intro"], "aspect": "9:16", "start": 1.5, "duration": 1.0}
    job = run(post_job(alice_client, "/api/v1/tools/templates/intro/render/", body))
    out = output_path(job)
    assert (streams(out)["video"]["width"], streams(out)["video"]["height"]) == (720, 1280)
    box = job.result["text_area"]
    before, during = _frame(out, 0.5, (720, 1280)), _frame(out, 2.0, (720, 1280))
    assert _mean_difference(during, before, 720, box) > 25
    after = _frame(out, 2.9, (720, 1280))
    assert _mean_difference(after, before, 720, box) < 2, "the card is gone after start + duration"
    assert job.result["aspect"] == "9:16" and job.result["start"] == 1.5 and job.result["end"] == 2.5


@pytest.mark.django_db(transaction=True)
def test_text_that_ffmpeg_would_misread_is_drawn_as_written(alice_client: Any, backdrop: tuple[dict, Path]) -> None:
    video, _ = backdrop
    fields = {"headline": "50% off: 'all' \\items\\ {today} [only]; a=b, c", "body": "%{pts} %{localtime} \\n\n$HOME"}
    job = run(
        post_job(
            alice_client,
            "/api/v1/tools/templates/announcement/render/",
            {"source_video": video["id"], "fields": fields},
        )
    )
    assert job.result["truncated"] is False
    drawn = titles.layout(titles.TEMPLATES["announcement"], fields, width=640, height=360).draws
    assert " ".join(d.text for d in drawn).startswith("50% off: 'all' \\items\\ {today}")
