"""add-voiceover: one espeak-ng voice (the local provider: no key in the tests) laid over one or
several videos, their own sound ducked under it."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from library.media import editing, voice
from library.media import ffmpeg as ff
from tests.library.helpers import upload
from tests.library.tools_support import mean_volume, output_path, post_job, run, streams
from tests.media import make_video

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/tools/add-voiceover/"
TEXT = "New in store today"


def _speech(path: Path, folder: Path) -> list[voice.Interval]:
    pcm = folder / f"{path.stem}.pcm"
    ff.run(editing.vad_pcm(path, pcm), timeout=60)
    return voice.detect_speech(pcm)


def test_one_video_gets_the_voice_over_its_ducked_sound(cast: Any, alice_client: Any, tmp_path: Path) -> None:
    source = make_video(tmp_path / "tone.mp4", seconds=4, size="320x240")
    video = upload(alice_client, source).json()
    job = run(post_job(alice_client, URL, {"source_videos": [video["id"]], "text": TEXT}))
    out = output_path(job)
    result = job.result
    assert result["output"] == "video" and result["provider"] == "espeak" and result["characters"] == len(TEXT)
    spoken = result["voice_duration"]
    assert 0.5 < spoken < 3.5
    assert job.output_name == "01-tone-voiceover.mp4"
    before, after = streams(source), streams(out)
    assert after["video"]["nb_frames"] == before["video"]["nb_frames"]  # the picture is copied
    assert float(after["format"]["duration"]) == pytest.approx(4.0, abs=0.1)
    (speech,) = _speech(out, tmp_path)  # the voice is there, where it should be
    assert speech.start == pytest.approx(0.0, abs=0.3) and speech.end == pytest.approx(spoken, abs=0.3)
    assert _speech(source, tmp_path) == []
    # After the voice, the original sound is back at its own level (the ducking releases within
    # about half a second: graphs.mix.DEEP).
    assert abs(mean_volume(source, spoken + 0.6, 3.9) - mean_volume(out, spoken + 0.6, 3.9)) < 1.0


def test_several_videos_come_back_as_a_zip(cast: Any, alice_client: Any, tmp_path: Path) -> None:
    long = upload(alice_client, make_video(tmp_path / "long.mp4", seconds=4)).json()
    short = upload(alice_client, make_video(tmp_path / "short.mp4", seconds=0.5, audio=False)).json()
    job = run(post_job(alice_client, URL, {"source_videos": [long["id"], short["id"]], "text": TEXT, "duck_db": -30}))
    assert job.result["output"] == "zip" and job.output_name == "voiceovers.zip"
    outputs = job.result["outputs"]
    assert [o["source_video"] for o in outputs] == [long["id"], short["id"]]
    assert [o["extended"] for o in outputs] == [False, True]
    with zipfile.ZipFile(output_path(job)) as zipped:
        assert zipped.namelist() == [o["name"] for o in outputs] == ["01-long-voiceover.mp4", "02-short-voiceover.mp4"]
        zipped.extractall(tmp_path / "unzipped")
    extended = tmp_path / "unzipped" / "02-short-voiceover.mp4"
    info = streams(extended)
    # The silent half-second clip is held on its last frame until the voice ends.
    assert float(info["format"]["duration"]) == pytest.approx(job.result["voice_duration"], abs=0.15)
    assert info["audio"]["codec_name"] == "aac" and _speech(extended, tmp_path)
