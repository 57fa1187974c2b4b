"""The brand kit and the hook in a real final render, looked at frame by frame: the logo found at
its place by template matching with its opacity, the hook in the upper band during the first
2.5 s and gone after, the intro and outro cards before and after the clip (which grows by their
length), and the brand font (one fontconfig does not know) drawn by libass.

Small on purpose (360x640, a 3 s grey source, espeak): the render is about two seconds."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from library.media import hook as hooks
from library.media.layout import Box
from library.models import BrandKit, Clip, ClipStatus, ExportPreset, Job, JobStatus
from library.tasks import run_job
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.factories import ClipFactory
from tests.library.helpers import upload

pytestmark = pytest.mark.django_db(transaction=True)
W, H = 360, 640
GREY = 128
LOGO_RGB = (230, 20, 60)
SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
SCRIPT = "Fresh shoes for summer. Light, soft and made to walk all day."
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "brand"


def brand_font(dest: Path) -> Path:
    """DejaVu Serif Bold renamed "EditAI Serif": a family fontconfig does not know, so only the
    brand kit's fontsdir can bring it to libass (same length, so the name table stays valid)."""
    data = SERIF.read_bytes()
    data = data.replace("DejaVu Serif".encode("utf-16-be"), "EditAI Serif".encode("utf-16-be"))
    dest.write_bytes(data.replace(b"DejaVu Serif", b"EditAI Serif"))
    return dest


def logo_png() -> bytes:
    """A red badge with a white bar: something template matching can lock on to."""
    image = Image.new("RGBA", (200, 100), (*LOGO_RGB, 255))
    for x in range(30, 170):
        for y in range(40, 60):
            image.putpixel((x, y), (255, 255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def grey_video(path: Path, seconds: float = 3.0) -> Path:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"color=c=0x808080:s=320x180:r=25:d={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=300:sample_rate=48000:duration={seconds}", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)], check=True, timeout=60)  # fmt: skip
    return path


def frame(path: str, at: float) -> np.ndarray:
    """One RGB frame as an H x W x 3 array."""
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-ss", f"{at:.3f}", "-i", path, "-frames:v", "1", "-f",
                          "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(H, W, 3)


def save(image: np.ndarray, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(ARTIFACTS / name)


def duration(path: str) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_format", path], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return float(json.loads(out)["format"]["duration"])


def changed(image: np.ndarray) -> np.ndarray:
    """Pixels that are not the grey background (a mask)."""
    return np.abs(image.astype(int) - GREY).max(axis=2) > 40


@pytest.fixture
def rendered(cast: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """One final render of a 3 s grey clip with the full brand kit and an automatic hook."""
    settings.ELEVENLABS_API_KEY = ""
    client = api_client_for(cast.alice)
    video = upload(client, grey_video(tmp_path / "grey.mp4")).json()
    logo = io.BytesIO(logo_png())
    logo.name = "logo.png"
    assert client.post("/api/v1/brand-kit/logo/", {"file": logo}, format="multipart").status_code == 200
    with brand_font(tmp_path / "brand.ttf").open("rb") as font:
        assert client.post("/api/v1/brand-kit/font/", {"file": font}, format="multipart").json()["font_family"] == (
            "EditAI Serif"
        )
    kit = client.patch("/api/v1/brand-kit/", {
        "logo_position": "top-right", "logo_scale": 0.25, "logo_opacity": 0.6, "card_color": "#102040",
        "text_color": "#FFFFFF", "box_color": "#000000", "highlight_color": "#FF3366",
        "intro_template": "announcement", "intro_fields": {"headline": "Summer drop"}, "intro_seconds": 1.0,
        "outro_template": "closing", "outro_fields": {"call_to_action": "Shop now"}, "outro_seconds": 1.0,
    }, format="json")  # fmt: skip
    assert kit.status_code == 200, kit.content
    with profile_scope(cast.store_a):
        ExportPreset.objects.create(name="tiny", width=W, height=H, fps=25, crf=30, speed="ultrafast")
    clip = ClipFactory(profile=cast.store_a, cut_list=[{"source_video": video["id"], "start": 0.0, "end": 3.0}])
    content = client.patch(f"/api/v1/library/clips/{clip.pk}/content/",
                           {"script_text": SCRIPT, "hook": "auto", "original_audio": "mute", "layout": "crop"}, format="json")  # fmt: skip
    assert content.status_code == 200 and content.json()["hook_auto"] is True, content.content
    job_id = client.post(f"/api/v1/library/clips/{clip.pk}/render/", {"preset": "tiny"}, format="json").json()["id"]
    run_job(job_id, profile_id=str(cast.store_a.pk))
    job = Job.all_objects.get(pk=job_id)
    assert job.status == JobStatus.SUCCEEDED, job.error
    clip = Clip.all_objects.get(pk=clip.pk)
    assert clip.status == ClipStatus.FINAL
    return {"clip": clip, "path": default_storage.path(clip.final_file.name), "brand": clip.render_info["brand"],
            "voice": job.result["voice"]["duration"], "tmp": tmp_path}  # fmt: skip


def test_the_brand_kit_and_hook_are_drawn_in_one_render(rendered: dict[str, Any]) -> None:
    path, brand, clip = rendered["path"], rendered["brand"], rendered["clip"]
    body = rendered["voice"] + 0.5  # the clip's own length: voice plus its tail
    # Intro and outro cards add their length; they do not count toward the clip's.
    assert abs(duration(path) - (1.0 + body + 1.0)) < 0.15, (duration(path), body)
    assert abs(clip.final_duration - (2.0 + body)) < 0.05
    intro, outro = frame(path, 0.5), frame(path, 2.0 + body - 0.4)
    early, late = frame(path, 1.0 + 1.2), frame(path, 1.0 + 3.2)
    for image, name in ((intro, "intro"), (outro, "outro"), (early, "hook"), (late, "after-hook")):
        save(image, f"{name}.png")
    card_blue = np.array([0x10, 0x20, 0x40])
    for card in (intro, outro):  # the card's colour fills the frame outside its panel and the logo
        corner = card[H - 40 : H - 10, 10:60].reshape(-1, 3)
        assert np.abs(corner.astype(int) - card_blue).max() < 12, corner.mean(axis=0)
    assert np.abs(early[H - 40 : H - 10, 10:60].astype(int) - GREY).max() < 12, "the clip's own frames are grey"

    # The logo, found where the layout put it, blended at its opacity over the grey.
    x, y, w, h = brand["logo"]
    assert x + w > W / 2 and y < H / 4, "top-right"
    template = np.array(Image.open(io.BytesIO(logo_png())).convert("RGB").resize((w, h)))
    expected = (0.6 * template + 0.4 * GREY).astype(np.uint8)
    for image in (early, late, intro):
        scores = cv2.matchTemplate(image, expected, cv2.TM_CCOEFF_NORMED)
        _, best, _, (found_x, found_y) = cv2.minMaxLoc(scores)
        assert best > 0.9 and abs(found_x - x) <= 2 and abs(found_y - y) <= 2, (best, found_x, found_y, x, y)
    red = late[y + 3 : y + h // 3, x + 3 : x + w - 3, 0].astype(float)  # the badge's red channel
    opacity = (red.mean() - GREY) / (LOGO_RGB[0] - GREY)
    assert abs(opacity - 0.6) < 0.06, opacity
    figures: dict[str, Any] = {"opacity": round(float(opacity), 3), "logo_match": round(float(best), 3)}

    # The hook: the script's first sentence, inside its box in the upper band, only at first.
    hook = brand["hook"]
    assert hook["text"] == "Fresh shoes for summer." and hook["font"] == "EditAI Serif"
    hx, hy, hw, hh = hook["box"]
    assert hy < H / 3 and not Box(hx, hy, hw, hh).overlaps(Box(x, y, w, h))
    upper = slice(hy + h // 10, hy + hh), slice(hx, hx + hw)
    drawn = changed(early)
    assert drawn[upper].mean() > 0.3, "the hook's box and text are drawn in its box"
    ys, xs = np.nonzero(drawn[: H // 2])
    outside = [(py, px) for py, px in zip(ys, xs, strict=True)
               if not (hy - 2 <= py <= hy + hh + 2 and hx - 2 <= px <= hx + hw + 2)
               and not (y - 2 <= py < y + h + 2 and x - 2 <= px < x + w + 2)]  # fmt: skip
    assert len(outside) < 30, f"{len(outside)} hook pixels outside its box"
    assert changed(late)[upper].mean() < 0.01, "the hook is gone after 2.5 s"
    figures.update(_brand_font_check(rendered), duration=round(duration(path), 3), clip=round(body, 3))
    (ARTIFACTS / "figures.json").write_text(json.dumps(figures))


def _brand_font_check(rendered: dict[str, Any]) -> dict[str, float]:
    """The hook in the final frame has the glyph mask of the brand font drawn alone through
    fontsdir, and not that of libass's fallback when the font is missing."""
    hook = rendered["brand"]["hook"]
    tmp: Path = rendered["tmp"]
    final = frame(rendered["path"], 1.0 + 1.2)
    ass = tmp / "hook.ass"
    _hook_ass(rendered, ass)
    fonts = tmp / "fonts"
    fonts.mkdir()
    brand_font(fonts / "brand.ttf")
    with_font, without = _draw(ass, tmp, fonts), _draw(ass, tmp, None)
    save(with_font, "hook-brand-font.png")
    save(without, "hook-fallback-font.png")
    hx, hy, hw, hh = hook["box"]
    region = slice(hy, hy + hh), slice(hx, hx + hw)

    def text(image: np.ndarray) -> np.ndarray:  # the white glyphs on the dark box
        return image[region].min(axis=2) > 200

    final_mask, brand_mask, other_mask = text(final), text(with_font), text(without)
    assert brand_mask.sum() > 200
    same = (final_mask & brand_mask).sum() / (final_mask | brand_mask).sum()
    different = (other_mask & brand_mask).sum() / (other_mask | brand_mask).sum()
    assert same > 0.85, same
    assert different < 0.6, different
    return {"glyph_iou_brand": round(float(same), 3), "glyph_iou_fallback": round(float(different), 3)}


def _hook_ass(rendered: dict[str, Any], dest: Path) -> None:
    """The hook's .ass as the render wrote it (rebuilt from what the job reported)."""
    hook = rendered["brand"]["hook"]
    font = hooks.HookFont("EditAI Serif", str(brand_font(rendered["tmp"] / "measure.ttf")))
    fitted = hooks.fit(hook["text"], band=_band(rendered), height=H, font=font)
    assert fitted is not None and list(fitted.box.__dict__.values()) == hook["box"]
    hooks.write(fitted, dest, width=W, height=H, font=font, text_color="#FFFFFF", box_color="#000000")


def _band(rendered: dict[str, Any]) -> Box:
    from library.media import composition
    from library.media.layout import caption_box
    from library.presets import preset_get

    with profile_scope(rendered["clip"].profile):
        preset = preset_get("tiny")
        kit = BrandKit.objects.get()
    assert preset is not None
    style = {"highlight_color": "#FF3366", "box_color": "#000000"}
    plan = composition.plan(width=W, height=H, safe=preset.safe_area(), captions=caption_box(preset, style),
                            logo=(kit.logo_width, kit.logo_height), logo_position=kit.logo_position,
                            logo_scale=kit.logo_scale, hook=True, cards=True)  # fmt: skip
    assert plan.hook is not None
    return plan.hook


def _draw(ass: Path, tmp: Path, fonts: Path | None) -> np.ndarray:
    out = tmp / f"draw-{'brand' if fonts else 'none'}.png"
    options = f":fontsdir={fonts}" if fonts else ""
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"color=c=0x808080:s={W}x{H}:d=2",
                    "-vf", f"subtitles={ass}{options}", "-ss", "1.2", "-frames:v", "1", str(out)], check=True,
                   timeout=60)  # fmt: skip
    return np.array(Image.open(out).convert("RGB"))
