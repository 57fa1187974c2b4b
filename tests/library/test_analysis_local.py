"""Local (ffmpeg) analysis on real footage and on generated videos with known content.

Big Buck Bunny 0-30 s has hard cuts at 11.792, 15.667 and 22.958 s from its first frame
(measured once with `ffmpeg -i big_buck_bunny_0_30.webm -vf "select='gt(scene,0.2)',showinfo"
-f null -`, which prints them 0.003 s later: the file's start time).
"""

from __future__ import annotations

import itertools
import subprocess
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from costs.models import CostEntry
from library.media import ffmpeg as ff
from library.media.probe import probe
from library.providers.analysis import AnalysisError, LocalAnalysisProvider
from library.providers.analysis.local import MAX_WINDOW_SECONDS
from profiles.tenancy import profile_scope
from tests.media import BBB, CHAPLIN

BBB_SECONDS = 30.003
BBB_CUTS = (11.792, 15.667, 22.958)
TAGS = {"motion", "static", "bright", "dark", "shot-start"}


def concat(path: Path, *sources: str) -> Path:
    """A video made of lavfi sources one after the other (320x240, 25 fps, H.264)."""
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
    for source in sources:
        args += ["-f", "lavfi", "-i", source]
    labels = "".join(f"[{i}:v]" for i in range(len(sources)))
    args += ["-filter_complex", f"{labels}concat=n={len(sources)}:v=1:a=0"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(args, check=True, timeout=60)
    return path


@pytest.fixture(scope="module")
def bars_black_motion(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s of still colour bars, 3 s of black, then 4 s of a moving test pattern."""
    return concat(
        tmp_path_factory.mktemp("analysis") / "dead.mp4",
        "smptebars=size=320x240:rate=25:duration=3",
        "color=black:size=320x240:rate=25:duration=3",
        "testsrc2=size=320x240:rate=25:duration=4",
    )


@pytest.fixture(scope="module")
def repeated_shot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A moving pattern (0-3 s), a Mandelbrot zoom (3-6 s), then the same pattern again (6-9 s)."""
    pattern = "testsrc2=size=320x240:rate=25:duration=3"
    return concat(
        tmp_path_factory.mktemp("analysis") / "dup.mp4",
        pattern,
        "mandelbrot=size=320x240:rate=25,trim=duration=3",
        pattern,
    )


def run_local(video: Path, tmp_path: Path, **kwargs):
    duration = kwargs.pop("duration") if "duration" in kwargs else probe(video).duration
    return LocalAnalysisProvider().analyze(video_path=video, duration=duration, workdir=tmp_path / "ws", **kwargs)


def test_it_scores_several_segments_within_bbb_in_a_few_seconds(sample_media, tmp_path):
    started = time.monotonic()
    result = run_local(sample_media / BBB, tmp_path, duration=BBB_SECONDS)
    elapsed = time.monotonic() - started

    assert elapsed < 10, f"local analysis of 30 s took {elapsed:.1f} s"
    assert (result.provider, result.model) == ("local", "ffmpeg")
    assert result.usage == {"frames": 240, "seconds": BBB_SECONDS}  # 8 samples per second
    segments = result.segments
    assert len(segments) >= 5
    assert all(0 <= s.start < s.end <= BBB_SECONDS for s in segments)
    assert all(a.end <= b.start for a, b in itertools.pairwise(segments))
    assert all(0 <= s.score <= 100 and s.description for s in segments)
    assert all(set(s.tags) <= TAGS for s in segments)
    assert len({s.score for s in segments}) > 1  # scored, not stamped
    assert sum(s.end - s.start for s in segments) > 25  # only the fade-in from black is left out
    assert "3 shot change(s) found" in result.notes
    assert not list((tmp_path / "ws").iterdir())  # scratch files are removed


def test_it_cuts_bbb_at_its_shot_changes(sample_media, tmp_path):
    segments = run_local(sample_media / BBB, tmp_path, duration=BBB_SECONDS).segments

    for cut in BBB_CUTS:
        assert any(abs(s.start - cut) < 0.05 for s in segments), f"no segment starts at the cut at {cut} s"
        assert not any(s.start + 0.05 < cut < s.end - 0.05 for s in segments), f"a segment spans the cut at {cut}"
    starting_on_cuts = [s for s in segments if any(abs(s.start - c) < 0.05 for c in BBB_CUTS)]
    assert all("shot-start" in s.tags for s in starting_on_cuts)


def test_it_splits_long_shots_into_windows(sample_media, tmp_path):
    bbb = run_local(sample_media / BBB, tmp_path, duration=BBB_SECONDS).segments
    chaplin = run_local(sample_media / CHAPLIN, tmp_path).segments

    assert all(s.end - s.start <= MAX_WINDOW_SECONDS for s in bbb + chaplin)
    first_shot = [s for s in bbb if s.end <= BBB_CUTS[0] + 0.01]
    assert len(first_shot) == 3  # the 11 s opening shot, in windows of about 3.7 s
    assert len(chaplin) == 2  # 9.6 s without a cut


def test_it_leaves_out_black_and_static_footage(bars_black_motion, tmp_path):
    result = run_local(bars_black_motion, tmp_path)

    assert result.segments, "the moving part must be kept"
    assert all(s.start >= 5.9 for s in result.segments)  # nothing from the bars (0-3) or black (3-6)
    assert result.segments[0].start == pytest.approx(6.0, abs=0.05)
    assert result.segments[-1].end == pytest.approx(10.0, abs=0.05)
    assert any(note.startswith("left out 6.0 s") for note in result.notes)


def test_it_keeps_one_of_two_near_duplicate_shots(repeated_shot, tmp_path):
    result = run_local(repeated_shot, tmp_path)

    def covered(a: float, b: float) -> bool:
        return any(s.start < b - 0.1 and s.end > a + 0.1 for s in result.segments)

    assert covered(3, 6), "the Mandelbrot shot is kept"
    assert covered(0, 3) != covered(6, 9), "exactly one of the two identical shots is kept"
    assert any("near-duplicate" in note for note in result.notes)


def test_it_returns_nothing_for_a_video_without_usable_footage(tmp_path):
    # Black, then a moving pattern too dark to see: dark counts as dead even when it moves.
    video = concat(
        tmp_path / "black.mp4",
        "color=black:size=320x240:rate=25:duration=2",
        "testsrc2=size=320x240:rate=25:duration=3,lutyuv=y=val/8",
    )
    result = run_local(video, tmp_path)
    assert result.segments == []
    assert "no usable footage found: the video is dark or static throughout" in result.notes


def test_it_reports_progress_up_to_done(sample_media, tmp_path):
    progress: list[float] = []
    run_local(sample_media / BBB, tmp_path, duration=BBB_SECONDS, on_progress=progress.append)
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    assert any(0 < p < 1 for p in progress)


def test_it_can_be_cancelled_while_ffmpeg_runs(sample_media, tmp_path):
    asked: list[float] = []

    def should_cancel() -> bool:
        asked.append(time.monotonic())
        return len(asked) > 2  # let ffmpeg start, then cancel

    started = time.monotonic()
    with pytest.raises(ff.Cancelled):
        run_local(sample_media / BBB, tmp_path, duration=BBB_SECONDS, should_cancel=should_cancel)
    assert time.monotonic() - started < 2
    assert not list((tmp_path / "ws").iterdir())


def test_it_reports_a_file_it_cannot_decode(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all")
    with pytest.raises(AnalysisError, match="local analysis failed") as caught:
        run_local(text, tmp_path, duration=5.0)
    assert caught.value.retryable is False


def test_it_refuses_an_unknown_duration(sample_media, tmp_path):
    with pytest.raises(AnalysisError, match="duration is unknown"):
        run_local(sample_media / BBB, tmp_path, duration=0.0)


def test_it_records_a_free_cost_entry_with_the_job_id(cast, sample_media, tmp_path):
    job_id = uuid.uuid4()
    with profile_scope(cast.store_a):
        run_local(sample_media / BBB, tmp_path, duration=BBB_SECONDS, job_id=job_id)
        [entry] = CostEntry.objects.all()
    assert (entry.provider, entry.model, entry.operation) == ("local", "ffmpeg", "analysis")
    assert entry.units == {"frames": 240, "seconds": BBB_SECONDS}
    assert entry.cost_usd == Decimal("0")
    assert entry.job_id == job_id and entry.profile_id == cast.store_a.pk
