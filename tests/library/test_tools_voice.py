"""Voice detection and muting on a made clip: espeak-ng speech over a steady two-tone bed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from library.media import voice
from tests.library.helpers import upload
from tests.library.tools_support import (
    mean_volume,
    output_path,
    post_job,
    run,
    speech_over_music,
    streams,
)

pytestmark = pytest.mark.django_db(transaction=True)

TOOLS = "/api/v1/tools/"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: Any) -> tuple[Path, list[tuple[float, float]]]:
    return speech_over_music(tmp_path_factory.mktemp("speech"))


@pytest.fixture
def uploaded(cast: Any, alice_client: Any, clip: tuple[Path, list]) -> dict:
    return upload(alice_client, clip[0]).json()


def test_it_finds_the_speech_within_a_third_of_a_second(alice_client: Any, clip: tuple, uploaded: dict) -> None:
    _, truth = clip
    job = run(post_job(alice_client, f"{TOOLS}detect-voice/", {"source_video": uploaded["id"]}))
    found = job.result["intervals"]
    assert len(found) == len(truth), (found, truth)
    for got, (start, end) in zip(found, truth, strict=True):
        assert got["start"] == pytest.approx(start, abs=0.3), (got, start)
        assert got["end"] == pytest.approx(end, abs=0.3), (got, end)
    assert job.result["speech_seconds"] == pytest.approx(sum(e - s for s, e in truth), abs=0.6)
    assert not job.output


def test_mute_silences_the_speech_and_keeps_the_music(alice_client: Any, clip: tuple, uploaded: dict) -> None:
    source, truth = clip
    job = run(post_job(alice_client, f"{TOOLS}mute-voice/", {"source_video": uploaded["id"], "mode": "mute"}))
    out = output_path(job)
    assert job.result["detected"] is True and len(job.result["intervals"]) == 2
    for start, end in truth:  # inside the speech: at least 20 dB quieter
        assert mean_volume(source, start + 0.1, end - 0.1) - mean_volume(out, start + 0.1, end - 0.1) >= 20
    music_only = [(0.2, truth[0][0] - 0.4), (truth[0][1] + 0.5, truth[1][0] - 0.4), (truth[1][1] + 0.5, 9.8)]
    for start, end in music_only:
        assert abs(mean_volume(source, start, end) - mean_volume(out, start, end)) < 1.0, (start, end)
    before, after = streams(source), streams(out)
    assert after["video"]["codec_name"] == before["video"]["codec_name"]
    assert after["video"]["nb_frames"] == before["video"]["nb_frames"]  # the picture is copied
    assert float(after["format"]["duration"]) == pytest.approx(float(before["format"]["duration"]), abs=0.05)


def test_duck_turns_given_intervals_down_by_the_asked_amount(alice_client: Any, clip: tuple, uploaded: dict) -> None:
    source, _ = clip
    body = {"source_video": uploaded["id"], "mode": "duck", "duck_db": -20, "intervals": [{"start": 0.2, "end": 1.2}]}
    job = run(post_job(alice_client, f"{TOOLS}mute-voice/", body))
    out = output_path(job)
    assert job.result["detected"] is False and job.result["gain_db"] == -20
    drop = mean_volume(source, 0.3, 1.1) - mean_volume(out, 0.3, 1.1)
    assert drop == pytest.approx(20, abs=1.0)
    assert abs(mean_volume(source, 1.4, 3.0) - mean_volume(out, 1.4, 3.0)) < 1.0  # the rest is as it was
    assert job.output_name == "speech-voice-ducked.mp4"


def test_a_steady_tone_alone_is_not_speech(tmp_path: Path) -> None:
    """The line enhancer is what keeps WebRTC's VAD from calling a tone speech."""
    from library.media import editing
    from library.media import ffmpeg as ff
    from tests.media import make_video

    tone = make_video(tmp_path / "tone.mp4", seconds=3)
    pcm = tmp_path / "tone.pcm"
    ff.run(editing.vad_pcm(tone, pcm), timeout=60)
    assert voice.detect_speech(pcm) == []
    raw = voice.frame_decisions(_plain_pcm(tone, tmp_path))
    assert sum(raw) > len(raw) / 2, "without it the VAD says a tone is mostly speech"


def _plain_pcm(src: Path, folder: Path) -> bytes:
    import subprocess

    out = folder / "plain.pcm"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(src), "-ac", "1", "-ar", "16000", "-f", "s16le", str(out)],
        check=True,
    )
    return out.read_bytes()


def test_smoothing_bridges_short_pauses_and_drops_blips() -> None:
    frames = [False] * 10 + [True] * 20 + [False] * 5 + [True] * 20 + [False] * 30 + [True] * 2 + [False] * 10
    intervals = voice.smooth(frames, duration=3.0)
    assert [(round(i.start, 2), round(i.end, 2)) for i in intervals] == [(0.24, 1.65)]
