"""Concatenate jobs: stream copy when every stream matches, one re-encode through the concat
filter otherwise (different sizes, rates, codecs, missing audio)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.library.helpers import upload
from tests.library.tools_support import decodes_cleanly, frame_counter_video, output_path, post_job, run, streams
from tests.media import BBB, CHAPLIN, make_video

pytestmark = pytest.mark.django_db(transaction=True)

CONCAT = "/api/v1/tools/concatenate/"


def test_chaplin_and_two_bunny_pieces_make_one_playable_mp4(alice_client: Any, sample_media: Path) -> None:
    chaplin = upload(alice_client, sample_media / CHAPLIN).json()["id"]
    bunny = upload(alice_client, sample_media / BBB).json()["id"]
    items = [
        {"source_video": chaplin, "start": 1.0, "end": 3.0},
        {"source_video": bunny, "start": 3.0, "end": 4.5},
        {"source_video": bunny, "start": 20.25, "end": 22.0},
    ]
    job = run(post_job(alice_client, CONCAT, {"items": items}))
    out = output_path(job)
    assert job.result["path"] == "filter"
    assert "differs" in job.result["reason"]
    info = streams(out)
    assert float(info["format"]["duration"]) == pytest.approx(2.0 + 1.5 + 1.75, abs=0.1)
    assert (info["video"]["codec_name"], info["audio"]["codec_name"]) == ("h264", "aac")
    assert (info["video"]["width"], info["video"]["height"]) == (640, 360)  # the first item's size
    assert info["video"]["avg_frame_rate"] == "25/1" and info["audio"]["sample_rate"] == "48000"
    assert info["format"]["format_name"].startswith("mov,mp4")
    assert decodes_cleanly(out)
    assert job.output_name == "chaplin-concat.mp4"


def test_matching_pieces_are_joined_by_stream_copy(alice_client: Any, tmp_path: Path) -> None:
    clip = upload(alice_client, frame_counter_video(tmp_path / "counter.mp4", seconds=6, gop=50)).json()["id"]
    items = [{"source_video": clip, "start": 2.0, "end": 4.0}, {"source_video": clip}]  # 2.0 s is a keyframe
    job = run(post_job(alice_client, CONCAT, {"items": items}))
    assert job.result["path"] == "copy"
    out = output_path(job)
    assert streams(out)["video"]["codec_name"] == "h264"
    assert float(streams(out)["format"]["duration"]) == pytest.approx(2.0 + 6.0, abs=0.1)
    assert decodes_cleanly(out)


def test_a_piece_starting_between_keyframes_is_re_encoded(alice_client: Any, tmp_path: Path) -> None:
    clip = upload(alice_client, frame_counter_video(tmp_path / "counter.mp4", seconds=6, gop=50)).json()["id"]
    items = [{"source_video": clip, "start": 1.0, "end": 3.0}, {"source_video": clip, "end": 1.0}]
    job = run(post_job(alice_client, CONCAT, {"items": items}))
    assert job.result["path"] == "filter"
    assert "between keyframes" in job.result["reason"]
    assert float(streams(output_path(job))["format"]["duration"]) == pytest.approx(3.0, abs=0.1)


def test_pieces_without_audio_get_silence(alice_client: Any, tmp_path: Path) -> None:
    loud = upload(alice_client, make_video(tmp_path / "tone.mp4", seconds=1.5, size="320x240")).json()["id"]
    mute = upload(alice_client, make_video(tmp_path / "mute.mp4", seconds=1.0, size="320x240", audio=False)).json()
    job = run(post_job(alice_client, CONCAT, {"items": [{"source_video": mute["id"]}, {"source_video": loud}]}))
    assert job.result["path"] == "filter" and "audio" in job.result["reason"]
    out = output_path(job)
    info = streams(out)
    assert (info["video"]["width"], info["video"]["height"]) == (320, 240)
    assert float(info["audio"]["duration"]) == pytest.approx(2.5, abs=0.1)
    assert float(info["format"]["duration"]) == pytest.approx(2.5, abs=0.1)
    assert decodes_cleanly(out)
