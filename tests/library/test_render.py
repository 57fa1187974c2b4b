"""The final render on real footage, offline: espeak voiceover, karaoke captions, a preset."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from library.models import Clip, ClipStatus, Job, JobStatus, Segment
from library.tasks import run_job
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.library.helpers import temp_entries, upload
from tests.media import BBB

pytestmark = pytest.mark.django_db(transaction=True)
PROJECTS = "/api/v1/library/projects/"
CLIPS = "/api/v1/library/clips/"
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
SCRIPT = (
    "Meet the bunny who wakes up early. He stretches, smiles and walks into the bright green meadow. "
    "Butterflies dance around his head while the morning sun warms the quiet forest. "
    "Nothing can spoil a day like this one, or can it?"
)
ARABIC = "مرحبا بكم في متجرنا. هذا الحذاء الأحمر خفيف ومريح جدا."


def _probe(path: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_streams", "-show_format", path],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout)


def _loudness(path: str) -> float:
    out = subprocess.run(["ffmpeg", "-nostats", "-i", path, "-filter_complex", "ebur128", "-f", "null", "-"],
                         capture_output=True, text=True).stderr  # fmt: skip
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", out)[-1])


def _gray_frame(path: str, at: float) -> bytes:
    """One 1080x1920 frame as 8-bit gray pixels."""
    return subprocess.run(["ffmpeg", "-loglevel", "error", "-ss", f"{at:.3f}", "-i", path, "-frames:v", "1", "-f",
                           "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout  # fmt: skip


def _changed(a: bytes, b: bytes, rows: range, width: int = 1080) -> int:
    """Pixels in the given rows that differ clearly between two frames."""
    return sum(1 for y in rows for x in range(0, width, 2) if abs(a[y * width + x] - b[y * width + x]) > 60)


def _generate_clip(client: Any, cast: Any, video_id: str, target: float) -> Clip:
    """A raw clip through the product's own path: one long segment, sequential selection."""
    with profile_scope(cast.store_a):
        segment = Segment.objects.create(source_video_id=video_id, start=1.0, end=29.0)
    project = client.post(PROJECTS, {"name": f"Reel {target}", "target_duration": target}, format="json").json()
    client.post(f"{PROJECTS}{project['id']}/assign-segments/", {"segments": [str(segment.pk)]}, format="json")
    job_id = client.post(f"{PROJECTS}{project['id']}/generate-from-segments/",
                         {"variant_count": 1, "selection_mode": "sequential"}, format="json").json()["id"]  # fmt: skip
    run_job(job_id, profile_id=str(cast.store_a.pk))
    return Clip.all_objects.get(project_id=project["id"])


def _render(client: Any, clip: Clip, profile: Any, **body: Any) -> Job:
    response = client.post(f"{CLIPS}{clip.pk}/render/", {"preset": "instagram_reels", **body}, format="json")
    assert response.status_code == 202, response.content
    assert Clip.all_objects.get(pk=clip.pk).status == ClipStatus.RENDERING
    run_job(response.json()["id"], profile_id=str(profile.pk))
    return Job.all_objects.get(pk=response.json()["id"])


@pytest.fixture
def bbb(cast: Any, sample_media: Path, settings: Any) -> dict:
    settings.ELEVENLABS_API_KEY = ""
    return upload(api_client_for(cast.alice), sample_media / BBB).json()


def test_a_voiced_captioned_reel_from_bbb(cast: Any, bbb: dict) -> None:
    client = api_client_for(cast.alice)
    clip = _generate_clip(client, cast, bbb["id"], target=12)
    assert len(SCRIPT.split()) >= 40
    response = client.put(f"{CLIPS}{clip.pk}/content/", {"script_text": SCRIPT, "caption_style": {"preset": "karaoke"},
                                                         "original_audio": "duck"}, format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    job = _render(client, clip, cast.store_a)
    assert job.status == JobStatus.SUCCEEDED, job.error
    clip.refresh_from_db()
    assert clip.status == ClipStatus.FINAL and clip.raw_file and clip.final_file
    path = default_storage.path(clip.final_file.name)
    info = _probe(path)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["profile"], video["width"], video["height"], video["pix_fmt"]) == (
        "h264", "High", 1080, 1920, "yuv420p")  # fmt: skip
    assert audio["codec_name"] == "aac"
    head = Path(path).read_bytes()[:400_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat"), "faststart: the index comes before the media"
    voice = job.result["voice"]["duration"]
    assert abs(float(info["format"]["duration"]) - (voice + 0.5)) <= 0.2
    assert abs(_loudness(path) - (-14)) <= 1.5
    # While a known word is spoken, the lower third shows caption pixels the raw clip lacks.
    word = job.result["words"][4]
    at = (word["start"] + word["end"]) / 2
    assert at < clip.duration  # the same footage plays at that moment in both files
    final, raw = _gray_frame(path, at), _gray_frame(default_storage.path(clip.raw_file.name), at)
    assert _changed(final, raw, range(1280, 1632)) > 3000, "no caption pixels in the lower third"
    assert _changed(final, raw, range(100, 600)) < 200, "the picture itself should be the same"
    assert temp_entries(cast.store_a) == []


def _rgb_frame(path: str, at: float) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-ss", f"{at:.3f}", "-i", path, "-frames:v", "1", "-f",
                          "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(1920, 1080, 3).astype(int)


def test_arabic_karaoke_keeps_its_word_order_in_the_final_render(cast: Any, bbb: dict) -> None:
    """Through the whole product path (espeak Arabic, karaoke, the preset render): the letters
    (white or lit pixels the raw clip lacks) do not move while the highlight walks, and the
    highlight walks from the right. Frame-level checks of every script: test_caption_scripts."""
    client = api_client_for(cast.alice)
    clip = _generate_clip(client, cast, bbb["id"], target=6)
    client.put(f"{CLIPS}{clip.pk}/content/", {"script_text": ARABIC, "voice_id": "ar",
                                              "caption_style": {"preset": "karaoke"}}, format="json")  # fmt: skip
    job = _render(client, clip, cast.store_a)
    assert job.status == JobStatus.SUCCEEDED, job.error
    clip.refresh_from_db()
    final, raw = default_storage.path(clip.final_file.name), default_storage.path(clip.raw_file.name)
    masks, lit, frames, readable = [], [], [], []
    for word in job.result["words"][:3]:  # the first sentence: one phrase
        at = (word["start"] + word["end"]) / 2
        frame = _rgb_frame(final, at)
        frames.append(frame)
        yellow = (frame[..., 0] > 200) & (frame[..., 1] > 170) & (frame[..., 2] < 110)
        white = frame.min(axis=2) > 200
        # The letters' fill (white or lit) where the raw clip's picture is not that bright itself.
        picture = _rgb_frame(raw, at)
        masks.append((white | yellow) & (picture.min(axis=2) < 150))
        readable.append(picture.min(axis=2) < 150)
        lit.append((float(np.nonzero(yellow)[0].mean()), float(np.nonzero(yellow)[1].mean())))
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(np.concatenate([f[1100:1600:2, ::2] for f in frames], axis=1).astype(np.uint8)).save(
        ARTIFACTS / "arabic-captions.png"
    )
    assert masks[0].sum() > 3000
    for mask, seen in zip(masks[1:], readable[1:], strict=True):
        both = seen & readable[0]  # compared where both pictures let the letters show
        same = (mask & masks[0] & both).sum() / ((mask | masks[0]) & both).sum()
        assert same > 0.9, f"the phrase moved as the highlight walked ({same:.2f})"
    # "مرحبا بكم / في متجرنا.": the first line lit from the right, then the second line's start.
    assert lit[0][1] > lit[1][1] and abs(lit[0][0] - lit[1][0]) < 30, f"not right to left: {lit}"
    assert lit[2][0] > lit[1][0] + 60, f"the third word should start the second line: {lit}"


def test_rerendering_replaces_the_final_and_keeps_it_on_failure(cast: Any, bbb: dict) -> None:
    client = api_client_for(cast.alice)
    clip = _generate_clip(client, cast, bbb["id"], target=4)
    client.put(f"{CLIPS}{clip.pk}/content/", {"script_text": "Short and sweet."}, format="json")
    assert _render(client, clip, cast.store_a).status == JobStatus.SUCCEEDED
    first = Clip.all_objects.get(pk=clip.pk).final_file.name
    assert _render(client, clip, cast.store_a, preset="tiktok").status == JobStatus.SUCCEEDED
    second = Clip.all_objects.get(pk=clip.pk).final_file.name
    assert first != second and default_storage.exists(second) and not default_storage.exists(first)
    assert client.post(f"{CLIPS}{clip.pk}/render/", {"preset": "imax"}, format="json").status_code == 400
    # A render that fails keeps the previous final.
    with profile_scope(cast.store_a):
        from library.models import SourceVideo

        Path(default_storage.path(SourceVideo.objects.get(pk=bbb["id"]).file.name)).write_bytes(b"gone")
    failed = _render(client, clip, cast.store_a)
    assert failed.status == JobStatus.FAILED
    clip.refresh_from_db()
    assert clip.status == ClipStatus.FINAL and clip.final_file.name == second and clip.error


def _chroma_spread(path: str, at: float) -> float:
    """How colourful the middle of a frame is (mean distance of U and V from grey)."""
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-ss", f"{at:.3f}", "-i", path, "-frames:v", "1", "-vf",
                          "crop=540:400:270:760,scale=54:40", "-f", "rawvideo", "-pix_fmt", "yuv444p", "-"],
                         capture_output=True, check=True).stdout  # fmt: skip
    n = 54 * 40
    u, v = raw[n : 2 * n], raw[2 * n : 3 * n]
    return sum(abs(a - 128) + abs(b - 128) for a, b in zip(u, v, strict=True)) / n


def test_a_spoken_keyword_cuts_its_segment_in(cast: Any, bbb: dict, sample_media: Path) -> None:
    from tests.media import CHAPLIN

    client = api_client_for(cast.alice)
    chaplin = upload(client, sample_media / CHAPLIN).json()
    with profile_scope(cast.store_a):
        tramp = Segment.objects.create(source_video_id=chaplin["id"], start=2.0, end=6.0, keywords=["tramp"])
    script = "Look at the happy bunny in the meadow. Then the tramps arrive with their canes and hats."
    matched = client.post("/api/v1/library/segments/match-script/", {"script_text": script}, format="json").json()
    assert [(m["segment"], m["keyword"], m["words"]) for m in matched["matches"]] == [
        (str(tramp.pk), "tramp", "tramps")
    ]
    clip = _generate_clip(client, cast, bbb["id"], target=8)
    client.put(f"{CLIPS}{clip.pk}/content/", {"script_text": script}, format="json")
    job = _render(client, clip, cast.store_a, broll=True, broll_seconds=2)
    assert job.status == JobStatus.SUCCEEDED, job.error
    spoken = next(w for w in job.result["words"] if w["word"].lower().startswith("tramps"))
    [cut_in] = job.result["broll"]
    assert cut_in["segment"] == str(tramp.pk) and abs(cut_in["start"] - spoken["start"]) <= 0.3
    at, timeline = 0.0, []
    for cut in job.result["cut_list"]:
        timeline.append((at, cut))
        at += cut["end"] - cut["start"]
    [(placed, piece)] = [(t, c) for t, c in timeline if c["source_video"] == chaplin["id"]]
    assert abs(placed - spoken["start"]) <= 0.3 and piece["start"] == 2.0
    # The picture really changes: Chaplin is black and white, the bunny is not.
    final = default_storage.path(Clip.all_objects.get(pk=clip.pk).final_file.name)
    assert _chroma_spread(final, placed + 1.0) < 4 < _chroma_spread(final, max(placed - 1.0, 0.2))
