"""The subject tracker (library.media.tracking) on footage made here with known subject
positions, and on real footage with faces (Chaplin); its cache (library.services.tracking).

Each made video is 640x360 at 25 fps: a textured dark background and a bright 60x140 subject
whose centre is known at every instant. The measures follow the issue: at 30 output frames a
second, the subject must be inside the 9:16 window in >= 95 % of frames and its centre inside
the window's central 60 % in >= 80 %; the window moves at most 0.5 % of the source width per
frame, and at a shot cut it jumps. Budget: about 12 CPU seconds in all, most of it the
full-resolution face detector checking Chaplin (one decode per made video)."""

from __future__ import annotations

import math
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from library import storage
from library.media import ffmpeg as ff
from library.media.tracking import CropPath, crop_path_compute, crop_path_smooth, subject, window_share
from library.models import SubjectTrack
from library.services import tracking as tracking_service
from library.services.tracking import crop_path_for
from profiles.tenancy import profile_scope
from tests.factories import ProfileFactory, SourceVideoFactory
from tests.media import CHAPLIN

W, H, FPS = 640, 360, 25
SUBJECT_W = 60
WINDOW = window_share(W, H)  # 0.316 of the width
HALF_SUBJECT = SUBJECT_W / 2 / W
STEP_LIMIT = 0.005  # of the source width per output frame at 30 fps
REFERENCE_FPS = 5  # Chaplin frames a second checked with a full-resolution face detector

Truth = Callable[[float], float]


def cross(t: float) -> float:
    """Left to right in 5 s (0.16 of the width a second, faster than the window may pan), and back."""
    return 0.1 + 0.8 * (t / 5 if t < 5 else (10 - t) / 5)


def stop(t: float) -> float:
    """From the left to the middle in 3.5 s, then still."""
    return 0.15 + 0.5 * min(t / 3.5, 1.0)


def leave(t: float) -> float:
    """Still on the left for 5 s (most of the shot: the shot's median frame shows it there), then
    off to the right."""
    return 0.2 if t < 5 else min(0.2 + 0.6 * (t - 5) / 3, 0.8)


def static(t: float) -> float:
    return 0.3


def two_shots(t: float) -> float:
    """A subject swaying on the left in the first shot, on the right in the second (cut at 3 s)."""
    return (0.2 if t < 3 else 0.8) + 0.02 * math.sin(2 * math.pi * t / 1.5)


def _background(seed: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    yy, xx = np.mgrid[0:H, 0:W]
    if seed == 0:
        return (40 + 30 * np.sin(xx / 37.0) * np.cos(yy / 23.0) + 20 * (xx / W)).astype(np.uint8)
    return (90 + 25 * np.cos(xx / 19.0) + 10 * np.sin(yy / 11.0)).astype(np.uint8)


def make_footage(
    path: Path, truth: Truth | None, seconds: float, *, cut: float | None = None, fade: bool = False
) -> Path:
    """Grey frames piped into ffmpeg (H.264): the subject centred at truth(t) in every frame
    (none without `truth`); `fade`: the bottom quarter brightens over the video, across the
    whole width (like a lighting change or water rippling)."""
    encoder = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "gray",
         "-s", f"{W}x{H}", "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", str(path)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    assert encoder.stdin is not None
    backgrounds = (_background(0), _background(1))
    for i in range(round(seconds * FPS)):
        t = i / FPS
        frame = backgrounds[1 if cut is not None and t >= cut else 0].copy()
        if fade:
            frame[270:] = np.clip(frame[270:].astype(np.int16) + round(100 * t / seconds), 0, 255)
        if truth is not None:
            left = round(truth(t) * W - SUBJECT_W / 2)
            frame[110:250, max(left, 0) : max(left + SUBJECT_W, 0)] = 235
        encoder.stdin.write(frame.tobytes())
    encoder.stdin.close()
    assert encoder.wait(timeout=60) == 0
    return path


def measure(path: CropPath, truth: Truth, seconds: float) -> tuple[float, float, float]:
    """(share of frames with the subject inside the window, share with its centre in the
    window's central 60 %, largest move of the window between frames outside cuts)."""
    times = np.arange(0.0, seconds, 1 / 30)
    centres = np.array([path.at(t) for t in times])
    subject = np.array([truth(t) for t in times])
    offset = np.abs(subject - centres)
    inside = float(np.mean(offset + HALF_SUBJECT <= WINDOW / 2 + 1e-9))
    central = float(np.mean(offset <= 0.3 * WINDOW))
    steps = [
        abs(b - a)
        for t, a, b in zip(times[1:], centres[:-1], centres[1:], strict=True)
        if not any(t - 1 / 30 < c <= t for c in path.cuts)
    ]
    return inside, central, max(steps)


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tracking")
    return {
        "cross": make_footage(folder / "cross.mp4", cross, 10.0),
        "stop": make_footage(folder / "stop.mp4", stop, 6.0),
        "leave": make_footage(folder / "leave.mp4", leave, 9.0),
        "static": make_footage(folder / "static.mp4", static, 3.0),
        "shots": make_footage(folder / "shots.mp4", two_shots, 6.0, cut=3.0),
        "fade": make_footage(folder / "fade.mp4", None, 3.0, fade=True),
    }


@pytest.fixture(scope="module")
def paths(footage: dict[str, Path]) -> dict[str, CropPath]:
    seconds = {"cross": 10.0, "stop": 6.0, "leave": 9.0, "static": 3.0, "shots": 6.0, "fade": 3.0}
    return {
        name: crop_path_compute(src, start=0.0, end=seconds[name], width=W, height=H) for name, src in footage.items()
    }


# --- the tracker on made footage ---------------------------------------------------------------


def test_it_keeps_a_subject_crossing_the_frame_in_the_window(paths: dict[str, CropPath]) -> None:
    inside, central, step = measure(paths["cross"], cross, 10.0)
    assert inside >= 0.95 and central >= 0.8, (inside, central)
    assert step <= STEP_LIMIT
    assert paths["cross"].subject == "motion" and paths["cross"].confidence >= 0.5


def test_a_centre_crop_loses_the_crossing_subject() -> None:
    """The measure is not trivially met: the window held in the middle fails it."""
    centre = CropPath(times=(0.0,), centres=(0.5,), cuts=(), subject="none", confidence=0.0, zoom=1.0)
    inside, central, _ = measure(centre, cross, 10.0)
    assert inside < 0.95 and central < 0.8


def test_it_holds_still_when_the_subject_stops(paths: dict[str, CropPath]) -> None:
    path = paths["stop"]
    inside, central, step = measure(path, stop, 6.0)
    assert inside >= 0.95 and central >= 0.8, (inside, central)
    assert step <= STEP_LIMIT
    settled = [path.at(t) for t in np.arange(4.6, 6.0, 0.1)]
    assert max(settled) - min(settled) < 0.002  # no drift, no jitter once the subject is still


def test_it_follows_a_subject_leaving_the_place_it_held_not_its_ghost(paths: dict[str, CropPath]) -> None:
    inside, central, step = measure(paths["leave"], leave, 9.0)
    assert inside >= 0.95 and central >= 0.8, (inside, central)
    assert step <= STEP_LIMIT
    assert paths["leave"].at(8.9) > 0.65


def test_it_holds_a_static_scene_and_reports_no_subject(paths: dict[str, CropPath]) -> None:
    path = paths["static"]
    assert max(path.centres) - min(path.centres) < 1e-6
    assert path.subject == "none" and path.confidence == 0.0
    inside, _, _ = measure(path, static, 3.0)  # the brightest, most detailed band is still framed
    assert inside >= 0.95


def test_a_change_over_the_whole_picture_is_no_subject(paths: dict[str, CropPath]) -> None:
    """Change spread over the whole width (a band brightening, water, a pan) is nothing to
    follow: no subject, and a confidence that lets layout auto pad instead."""
    path = paths["fade"]
    assert path.subject == "none" and path.confidence == 0.0
    assert max(path.centres) - min(path.centres) < 0.01


def test_it_jumps_at_a_shot_cut_instead_of_panning(paths: dict[str, CropPath]) -> None:
    path = paths["shots"]
    assert len(path.cuts) == 1 and abs(path.cuts[0] - 3.0) < 0.05
    cut = path.cuts[0]
    inside, central, step = measure(path, two_shots, 6.0)
    assert inside >= 0.95 and central >= 0.8, (inside, central)
    assert step <= STEP_LIMIT  # outside the cut
    before = [path.at(t) for t in np.arange(2.0, cut - 0.001, 0.05)]
    after = [path.at(t) for t in np.arange(cut, cut + 1.0, 0.05)]
    assert max(before) < 0.3 and min(after) > 0.7  # no pan towards the other side on either side
    assert path.at(cut) - path.at(cut - 0.001) > 0.4
    assert cut in path.times  # a point exactly at the cut: the render graph jumps there


def test_the_window_stays_inside_the_frame(paths: dict[str, CropPath]) -> None:
    for path in paths.values():
        assert all(WINDOW / 2 - 1e-9 <= x <= 1 - WINDOW / 2 + 1e-9 for x in path.centres)
        assert path.times[0] == 0.0 and list(path.times) == sorted(path.times)
        assert path.zoom == pytest.approx(1920 / 360)


# --- real footage with faces -------------------------------------------------------------------


@pytest.fixture(scope="module")
def chaplin(sample_media: Path) -> Path:
    return sample_media / CHAPLIN


def _faces_inside(src: Path, path: CropPath, start: float, end: float, cascade: str) -> tuple[int, int]:
    """(sampled frames whose every detected face is inside the window, frames with a face):
    REFERENCE_FPS frames a second at the source's full 640x360, detected apart from the tracker's own
    (smaller, sparser) pass."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(start), "-t", str(end - start), "-i", str(src),
         "-vf", f"fps={REFERENCE_FPS},format=gray", "-f", "rawvideo", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, np.uint8).reshape(-1, H, W)
    detector = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / cascade))  # type: ignore[attr-defined]
    good = total = 0
    for n, frame in enumerate(frames):
        faces = detector.detectMultiScale(frame, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24), maxSize=(120, 120))
        if len(faces) == 0:
            continue
        total += 1
        centre = path.at(n / REFERENCE_FPS)
        good += all(x / W >= centre - WINDOW / 2 and (x + fw) / W <= centre + WINDOW / 2 for x, _, fw, _ in faces)
    return good, total


def test_it_keeps_chaplins_detected_faces_in_the_window(chaplin: Path) -> None:
    path = crop_path_compute(chaplin, start=3.0, end=9.6, width=W, height=H)
    assert path.subject == "face" and path.confidence >= 0.5
    good, total = _faces_inside(chaplin, path, 3.0, 9.6, "haarcascade_frontalface_alt2.xml")
    assert total >= 15 and good / total >= 0.9, (good, total)


def test_it_reports_two_far_apart_faces(chaplin: Path, tmp_path: Path) -> None:
    """Chaplin's half of the picture beside its mirror image: two faces half the width apart,
    too far for one window (what the split layout stacks)."""
    pair = tmp_path / "pair.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "5", "-t", "3", "-i", str(chaplin), "-filter_complex",
         "[0:v]crop=320:360:200:0,split[a][b];[b]hflip[m];[a][m]hstack", "-an", "-c:v", "libx264",
         "-preset", "ultrafast", str(pair)],
        check=True, timeout=60,
    )  # fmt: skip
    path = crop_path_compute(pair, start=0.0, end=3.0, width=W, height=H)
    assert len(path.faces) >= 6
    for _, left, right in path.faces:
        assert left < 0.5 < right and right - left > WINDOW


# --- smoothing ---------------------------------------------------------------------------------


def test_smoothing_bounds_speed_and_removes_jitter() -> None:
    rng = np.random.default_rng(7)
    times = [i / 10 for i in range(100)]
    jittery = [0.5 + rng.normal(0, 0.01) for _ in times]  # a still subject, noisily measured
    smooth = crop_path_smooth(times, jittery, cuts=(), window=WINDOW)
    assert max(smooth) - min(smooth) < 0.005
    leap = [0.2 if t < 5 else 0.8 for t in times]  # a subject that teleports within one shot
    smooth = crop_path_smooth(times, leap, cuts=(), window=WINDOW)
    speeds = np.abs(np.diff(smooth)) / 0.1
    assert speeds.max() <= 0.15 + 1e-9  # 0.5 % of the width per frame at 30 fps
    assert np.abs(np.diff(speeds)).max() / 0.1 < 0.5  # acceleration bounded: no snap into motion
    assert smooth[-1] == pytest.approx(0.8, abs=0.05) and smooth[0] == pytest.approx(0.2, abs=0.05)


def test_smoothing_jumps_at_cuts_holds_unknowns_and_clamps() -> None:
    times = [i / 10 for i in range(60)]
    xs = [0.0 if t < 3 else (math.nan if t < 4 else 1.0) for t in times]
    smooth = crop_path_smooth(times, xs, cuts=(3.0,), window=WINDOW)
    assert smooth[29] == pytest.approx(WINDOW / 2) and smooth[30] == pytest.approx(1 - WINDOW / 2)
    assert crop_path_smooth([0.0, 1.0], [0.1, 0.9], cuts=(), window=1.0) == (0.5, 0.5)
    with pytest.raises(ValueError):
        crop_path_smooth([0.0], [0.1, 0.2], cuts=(), window=WINDOW)


def test_a_crop_path_interpolates_within_shots_and_round_trips_as_json() -> None:
    path = CropPath(
        times=(0.0, 1.0, 2.0, 2.0, 3.0), centres=(0.2, 0.3, 0.3, 0.7, 0.7), cuts=(2.0,), subject="motion",
        confidence=0.8, zoom=5.333, faces=((0.5, 0.2, 0.8),),
    )  # fmt: skip
    assert path.at(0.5) == pytest.approx(0.25)
    assert path.at(1.999) == pytest.approx(0.3) and path.at(2.0) == pytest.approx(0.7)
    assert path.at(-1) == pytest.approx(0.2) and path.at(9) == pytest.approx(0.7)
    assert CropPath.from_json(path.to_json()) == path


def test_a_9_16_or_narrower_source_is_not_cropped_nor_decoded(tmp_path: Path) -> None:
    """(Square sources are left uncropped by the reframe layouts; the tracker itself would crop
    them: a 9:16 window is 56 % of a square's width.)"""
    for width, height in ((1080, 1920), (480, 1080)):
        path = crop_path_compute(tmp_path / "absent.mp4", start=0.0, end=1.0, width=width, height=height)
        assert path.centres == (0.5,) and path.subject == "none" and path.confidence == 0.0
    assert window_share(720, 720) == pytest.approx(0.5625)


# --- the cache ---------------------------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """The decodes the service asks for (the real tracker still runs)."""
    calls: list[tuple[float, float]] = []
    real = tracking_service.crop_path_compute

    def compute(src: Path, **kwargs: Any) -> CropPath:
        calls.append((kwargs["start"], kwargs["end"]))
        return real(src, **kwargs)

    monkeypatch.setattr(tracking_service, "crop_path_compute", compute)
    return calls


def _stored_video(profile: Any, src: Path) -> Any:
    with profile_scope(profile):
        name = storage.store_file(src, f"{profile.pk}/videos/{src.name}")
        return SourceVideoFactory(profile=profile, file=name, width=W, height=H, duration=6.0)


def test_the_path_is_cached_per_video_and_range_and_reused(
    db: Any, footage: dict[str, Path], counted: list[tuple[float, float]]
) -> None:
    profile = ProfileFactory()
    video = _stored_video(profile, footage["shots"])
    with profile_scope(profile):
        first = crop_path_for(video=video, start=0.0, end=6.0)
        again = crop_path_for(video=video, start=0.0, end=6.0, source=footage["shots"])
        part = crop_path_for(video=video, start=2.5, end=4.0)  # another variant's piece inside it
        assert SubjectTrack.objects.count() == 1
    assert counted == [(0.0, 6.0)]
    assert again.centres == pytest.approx(first.centres, abs=1e-4) and again.cuts == first.cuts
    assert part.cuts == pytest.approx((0.5,), abs=0.05)
    for t in (0.0, 0.4, 0.6, 1.4):
        assert part.at(t) == pytest.approx(first.at(2.5 + t), abs=1e-3)


def test_the_cache_is_per_profile_and_per_tracker_version(
    db: Any, footage: dict[str, Path], counted: list[tuple[float, float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, theirs = ProfileFactory(), ProfileFactory()
    video = _stored_video(mine, footage["static"])
    other = _stored_video(theirs, footage["static"])
    with profile_scope(mine):
        crop_path_for(video=video, start=0.0, end=3.0)
    with profile_scope(theirs):
        crop_path_for(video=other, start=0.0, end=3.0)
        assert SubjectTrack.objects.count() == 1  # only its own row is visible
    monkeypatch.setattr(tracking_service, "TRACKER_VERSION", tracking_service.TRACKER_VERSION + 1)
    with profile_scope(mine):
        crop_path_for(video=video, start=0.0, end=3.0)
    assert len(counted) == 3


def test_a_cancelled_pass_stores_nothing_and_leaves_no_files(
    db: Any, footage: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = ProfileFactory()
    video = _stored_video(profile, footage["cross"])
    workspace, system = tmp_path / "workspace", tmp_path / "system"
    workspace.mkdir()
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    polls = iter([False, False, True])  # cancelled while ffmpeg decodes
    with profile_scope(profile), pytest.raises(ff.Cancelled):
        crop_path_for(video=video, start=0.0, end=6.0, workdir=workspace, should_cancel=lambda: next(polls, True))
    looking = []  # cancelled once faces are being looked for (after the decode)
    real = subject.faces_detect
    monkeypatch.setattr(subject, "faces_detect", lambda frame: looking.append(1) or real(frame))
    with profile_scope(profile), pytest.raises(ff.Cancelled):
        crop_path_for(video=video, start=0.0, end=6.0, should_cancel=lambda: bool(looking))
    assert len(looking) == 1
    with profile_scope(profile):
        assert not SubjectTrack.objects.exists()
        crop_path_for(video=video, start=0.0, end=1.0, workdir=workspace)
        assert SubjectTrack.objects.count() == 1
    assert list(workspace.iterdir()) == [] and list(system.iterdir()) == []  # scratch files go on every path


def test_an_empty_range_is_refused(db: Any) -> None:
    profile = ProfileFactory()
    with profile_scope(profile):
        video = SourceVideoFactory(profile=profile)
        with pytest.raises(ValueError):
            crop_path_for(video=video, start=5.0, end=5.0)
