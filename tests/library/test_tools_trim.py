"""Trim jobs, run in-process like the q2 task: precise cuts land on the asked frames, fast cuts
copy from the keyframe before the start and say so, previews are small."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.library.helpers import temp_entries, upload
from tests.library.tools_support import frame_counter_video, frame_numbers, output_path, post_job, run, streams
from tests.media import BBB

# The runner's monitor thread has its own database connection: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

TRIM = "/api/v1/tools/trim/"
RATE = 25


@pytest.fixture
def counter(cast: Any, alice_client: Any, tmp_path: Path) -> dict:
    """8 s at 25 fps, frame N has brightness N, a keyframe every 2 s."""
    return upload(alice_client, frame_counter_video(tmp_path / "counter.mp4", seconds=8, rate=RATE, gop=50)).json()


@pytest.mark.parametrize(("start", "end"), [(2.0, 5.0), (1.28, 3.72), (0.0, 0.4)])
def test_a_precise_trim_lands_within_one_frame(
    cast: Any, alice_client: Any, counter: dict, start: float, end: float
) -> None:
    job = run(
        post_job(alice_client, TRIM, {"source_video": counter["id"], "start": start, "end": end, "mode": "precise"})
    )
    frames = frame_numbers(output_path(job))
    assert abs(frames[0] - start * RATE) <= 1, frames[:3]
    assert abs((frames[-1] + 1) - end * RATE) <= 1, frames[-3:]
    assert abs(len(frames) - (end - start) * RATE) <= 1
    assert job.result["reencoded"] is True and job.result["actual_start"] == start
    assert job.result["duration"] == pytest.approx(end - start, abs=1 / RATE)
    info = streams(output_path(job))
    assert (info["video"]["codec_name"], info["video"]["pix_fmt"], info["audio"]["codec_name"]) == (
        "h264",
        "yuv420p",
        "aac",
    )
    assert job.output_name == "counter-trim-precise.mp4"
    assert temp_entries(cast.store_a) == []


def test_a_fast_trim_copies_from_the_keyframe_before_the_start(alice_client: Any, counter: dict) -> None:
    job = run(post_job(alice_client, TRIM, {"source_video": counter["id"], "start": 3.1, "end": 6.0, "mode": "fast"}))
    frames = frame_numbers(output_path(job))
    assert frames[0] == 50, "starts on the keyframe at 2.0 s (frame 50), the last one before 3.1 s"
    assert job.result["actual_start"] == 2.0 and job.result["requested_start"] == 3.1
    assert job.result["reencoded"] is False
    assert job.result["duration"] == pytest.approx(4.0, abs=0.05)
    assert abs((frames[-1] + 1) - 6.0 * RATE) <= 1


def test_a_fast_trim_of_a_webm_keeps_its_codecs(alice_client: Any, sample_media: Path) -> None:
    bunny = upload(alice_client, sample_media / BBB).json()
    job = run(post_job(alice_client, TRIM, {"source_video": bunny["id"], "start": 12.0, "end": 16.0, "mode": "fast"}))
    assert job.result["actual_start"] == pytest.approx(11.795, abs=0.002)  # BBB's keyframe before 12 s
    assert job.result["container"] == "webm" and job.output_name.endswith(".webm")
    info = streams(output_path(job))
    assert (info["video"]["codec_name"], info["audio"]["codec_name"]) == ("vp8", "vorbis")
    assert float(info["format"]["duration"]) == pytest.approx(16.0 - 11.795, abs=0.1)


def test_a_preview_is_small_quick_and_short(alice_client: Any, sample_media: Path) -> None:
    bunny = upload(alice_client, sample_media / BBB).json()
    job = run(post_job(alice_client, TRIM, {"source_video": bunny["id"], "start": 2.0, "end": 29.0, "mode": "preview"}))
    info = streams(output_path(job))
    assert (int(info["video"]["width"]), int(info["video"]["height"])) == (426, 240)
    assert float(info["format"]["duration"]) == pytest.approx(15.0, abs=0.1)
    assert job.result["truncated_to_seconds"] == 15.0
    assert output_path(job).stat().st_size < 1_000_000
