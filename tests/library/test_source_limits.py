"""Upload probing is bounded (issue 14, point 8): a source longer than EDITAI_MAX_SOURCE_SECONDS
(3 h by default) or larger than EDITAI_MAX_SOURCE_PIXELS (3840×2160 by default) is refused with
a 400 and leaves no row and no file; a duration the container does not record is measured
only up to the limit."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from library.media import probe
from library.models import SourceVideo
from tests.library.helpers import media_files, temp_entries, upload


def _piped(src: Path, dest: Path) -> Path:
    """The same video written to a pipe: Matroska cannot seek back to record the duration."""
    with dest.open("wb") as out:
        subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(src), "-c", "copy", "-f", "matroska", "pipe:1"],
                       stdout=out, check=True, timeout=120)  # fmt: skip
    return dest


def _lavfi(path: Path, source: str) -> Path:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)], check=True, timeout=120)  # fmt: skip
    return path


@pytest.fixture
def long_video(tmp_path: Path) -> Path:
    """Three hours and a bit of a tiny still picture (small and quick to make)."""
    return _lavfi(tmp_path / "long.mp4", "color=size=64x64:rate=1:duration=10900")


def _refused(cast: Any, response: Any, *words: str) -> None:
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["file"])
    assert all(word in message for word in words), message
    assert not SourceVideo.all_objects.exists()
    assert media_files(cast.store_a) == []
    assert temp_entries(cast.store_a) == []


def test_a_source_over_three_hours_is_refused(cast: Any, alice_client: Any, long_video: Path) -> None:
    _refused(cast, upload(alice_client, long_video), "10900", "10800")


def test_a_duration_the_container_does_not_record_is_measured_only_up_to_the_limit(
    cast: Any, alice_client: Any, long_video: Path, tmp_path: Path, settings: Any
) -> None:
    piped = _piped(long_video, tmp_path / "long.mkv")
    assert probe.probe(piped).duration == 0  # no duration in the container: it must be measured
    _refused(cast, upload(alice_client, piped), "10800")
    settings.MAX_SOURCE_SECONDS = 20_000
    accepted = upload(alice_client, piped)
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["duration"] == pytest.approx(10900, abs=2)


def test_a_source_over_3840x2160_is_refused(cast: Any, alice_client: Any, tmp_path: Path) -> None:
    big = _lavfi(tmp_path / "big.mp4", "testsrc2=size=4096x2160:rate=1:duration=1")
    _refused(cast, upload(alice_client, big), "4096×2160", "3840×2160")


def test_the_limits_are_settings(cast: Any, alice_client: Any, tmp_path: Path, settings: Any) -> None:
    small = _lavfi(tmp_path / "small.mp4", "testsrc2=size=320x240:rate=5:duration=3")
    settings.MAX_SOURCE_PIXELS = 320 * 240 - 1
    _refused(cast, upload(alice_client, small), "320×240")
    settings.MAX_SOURCE_PIXELS = 320 * 240
    settings.MAX_SOURCE_SECONDS = 2
    _refused(cast, upload(alice_client, small), "2 s")
    settings.MAX_SOURCE_SECONDS = 3
    assert upload(alice_client, small).status_code == 201
