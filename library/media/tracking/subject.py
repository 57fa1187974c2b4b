"""Finding the subject of a range: one decode, then faces, the moving subject, or the most
detailed band (see library.media.tracking)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import ffmpeg
import numpy as np
import numpy.typing as npt

from library.media import ffmpeg as ff
from library.media.analysis import SCENE_THRESHOLD, parse_metadata
from library.media.tracking.smooth import Floats, shot_bounds

TRACK_WIDTH = 480  # decode width: faces of a tenth of the height are ~27 px, above Haar's 24 px window
TRACK_FPS = 8.0
MAX_FRAMES = 960  # ~125 MB of frames at 480x270: a longer range is sampled more sparsely
# Faces are looked for once a second, and 4 times a second within a second of a face seen: the
# Haar cascade is most of the tracker's cost, and footage without faces then pays little for it.
FACE_COARSE = 1.0  # seconds
FACE_DENSE = 0.25
FACE_HOLD = 1.0  # seconds a face is held between face samples
FACE_GRID = 0.25  # seconds between the points of CropPath.faces
MOTION_WIDTH = 120  # motion and contrast are measured on a smaller copy
MOTION_LEVEL = 24.0  # grey levels from the shot's median frame that count as change
MOTION_MIN_AREA, MOTION_MAX_AREA = 0.002, 0.35  # share of the picture changed, for a subject
MOTION_CONCENTRATION = 0.6  # share of the change inside one window-wide band, for a subject
MOTION_STEP = 0.25  # seconds between the frames compared to see what moves now
MOTION_NEAR = 0.05  # of the width: background differences this close to motion belong to it


@dataclass(frozen=True)
class Frames:
    """The decoded range: grey frames (n, h, w) at `fps`, and the cut times."""

    pixels: npt.NDArray[np.uint8]
    fps: float
    cuts: tuple[float, ...]

    @property
    def times(self) -> Floats:
        return np.arange(len(self.pixels), dtype=np.float64) / self.fps


def decode_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, TRACK_WIDTH / max(width, 1))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def track_fps(duration: float) -> float:
    return TRACK_FPS if duration * TRACK_FPS <= MAX_FRAMES else max(MAX_FRAMES / duration, 1.0)


def decode_graph(
    src: Path, *, start: float, duration: float, size: tuple[int, int], fps: float, raw: Path, cuts: Path
) -> Any:
    return (
        ffmpeg.input(str(src), ss=f"{start:.3f}", t=f"{duration:.3f}")
        .video.filter("setpts", "PTS-STARTPTS")
        .filter("scale", size[0], size[1])
        .filter("scdet", threshold=SCENE_THRESHOLD)
        .filter("metadata", mode="print", key="lavfi.scd.time", file=str(cuts))
        .filter("fps", fps=round(fps, 4))
        .filter("format", "gray")
        .output(str(raw), format="rawvideo", fps_mode="passthrough")
    )


def frames_decode(
    src: Path,
    *,
    start: float,
    end: float,
    width: int,
    height: int,
    should_cancel: Callable[[], bool] | None = None,
    workdir: Path | None = None,
) -> Frames:
    size = decode_size(width, height)
    duration = max(end - start, 0.0)
    fps = track_fps(duration)
    with tempfile.TemporaryDirectory(prefix="track-", dir=workdir) as tmp:
        raw, cuts_path = Path(tmp) / "frames.gray", Path(tmp) / "cuts.txt"
        graph = decode_graph(src, start=start, duration=duration, size=size, fps=fps, raw=raw, cuts=cuts_path)
        ff.run(graph, timeout=ff.timeout_for(duration), should_cancel=should_cancel)
        data = raw.read_bytes() if raw.exists() else b""
        text = cuts_path.read_text(errors="replace") if cuts_path.exists() else ""
    count = len(data) // (size[0] * size[1])
    pixels = np.frombuffer(data[: count * size[0] * size[1]], dtype=np.uint8).reshape(count, size[1], size[0])
    cuts = sorted(
        {round(t, 3) for t, values in parse_metadata(text) if "lavfi.scd.time" in values and 0 < t < duration}
    )
    return Frames(pixels=pixels, fps=round(fps, 4), cuts=tuple(cuts))


@cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    folder = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]  # cv2's stubs omit cv2.data
    return cv2.CascadeClassifier(str(folder / name))


Box = tuple[float, float]  # (centre x, width), normalised


def faces_detect(frame: npt.NDArray[np.uint8]) -> list[Box]:
    """Frontal faces in one grey frame, normalised (centre x, width). Faces smaller than a
    fourteenth of the height are extras, not the presenter; the profile cascade would triple
    the cost for faces the moving-subject fallback mostly catches anyway."""
    h, w = frame.shape
    small, big = max(24, h // 14), max(25, int(h * 0.6))
    found = _cascade("haarcascade_frontalface_alt2.xml").detectMultiScale(
        frame, scaleFactor=1.15, minNeighbors=4, minSize=(small, small), maxSize=(big, big)
    )
    return [((x + fw / 2) / w, fw / w) for x, _y, fw, _fh in found]


def _face_samples(
    pixels: npt.NDArray[np.uint8], fps: float, should_cancel: Callable[[], bool] | None
) -> list[tuple[int, list[Box]]]:
    """(frame index, faces) for the frames looked at, in order."""
    coarse, dense = max(1, round(FACE_COARSE * fps)), max(1, round(FACE_DENSE * fps))
    seen: dict[int, list[Box]] = {}

    def look(i: int) -> None:
        if should_cancel is not None and should_cancel():
            raise ff.Cancelled("cancelled while tracking")
        seen[i] = faces_detect(pixels[i])

    n = len(pixels)
    for i in range(0, n, coarse):
        look(i)
    for i in [i for i, boxes in seen.items() if boxes]:
        for j in range(max(0, i - coarse), min(n, i + coarse + 1), dense):
            if j not in seen:
                look(j)
    return sorted(seen.items())


def _confirmed(detections: list[tuple[float, list[Box]]]) -> list[tuple[float, list[Box]]]:
    """Keep faces seen again near the same place within a second (before or after)."""
    out = []
    for i, (t, boxes) in enumerate(detections):
        kept = []
        for x, size in boxes:
            for u, others in detections[max(0, i - 8) : i + 9]:
                if u != t and abs(u - t) <= 1.0 and any(abs(x - ox) < max(size, 0.05) for ox, _ in others):
                    kept.append((x, size))
                    break
        out.append((t, kept))
    return out


def _densest(profile: Floats, span: int) -> tuple[float, float] | None:
    """The centre (0..1) of the `span`-wide band holding the most of `profile`, refined to the
    profile's centroid inside it, and the share of the profile that band holds."""
    total = float(profile.sum())
    if total <= 0:
        return None
    span = max(1, min(span, len(profile)))
    sums = np.convolve(profile, np.ones(span), mode="valid")
    start = int(np.argmax(sums))
    band = profile[start : start + span]
    centre = start + float((band * np.arange(span)).sum() / max(float(band.sum()), 1e-9))
    return (centre + 0.5) / len(profile), float(band.sum()) / total


def _shrink(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    _n, h, w = pixels.shape
    size = (MOTION_WIDTH, max(2, round(h * MOTION_WIDTH / w)))
    if w <= MOTION_WIDTH:
        return pixels.astype(np.float32)
    return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in pixels]).astype(np.float32)


def _moving_columns(small: npt.NDArray[np.float32], i: int, step: int) -> npt.NDArray[np.bool_] | None:
    """Columns where frame i differs from both its neighbours `step` frames away (what moves
    now, not where something was: a subject leaving its long-held place leaves a "ghost" in
    the median background that this ignores); None when nothing moves."""
    n = len(small)
    before, after = small[max(i - step, 0)], small[min(i + step, n - 1)]
    now = np.minimum(np.abs(small[i] - before), np.abs(small[i] - after))
    moving = (cv2.GaussianBlur(now, (5, 5), 0) > MOTION_LEVEL).sum(axis=0)
    if moving.sum() < MOTION_MIN_AREA * now.size:
        return None
    reach = max(1, round(small.shape[2] * MOTION_NEAR))
    return np.convolve(moving > 0, np.ones(2 * reach + 1), mode="same") > 0


def motion_positions(small: npt.NDArray[np.float32], window: float, fps: float) -> tuple[Floats, Floats]:
    """Per frame of one shot: the moving subject's x (NaN where nothing stands out) and the share
    of the picture that differs from the shot's median frame."""
    n, _h, w = small.shape
    background = np.median(small, axis=0)
    xs, shares = np.full(n, np.nan), np.zeros(n)
    span = max(1, round(window * w))
    step = max(1, round(MOTION_STEP * fps))
    for i in range(n):
        diff = cv2.GaussianBlur(np.abs(small[i] - background), (5, 5), 0)
        mask = diff > MOTION_LEVEL
        shares[i] = float(mask.mean())
        # A few pixels is noise; most of the picture is a camera move or a lighting change.
        if not MOTION_MIN_AREA <= shares[i] <= MOTION_MAX_AREA:
            continue
        profile = (diff * mask).sum(axis=0).astype(np.float64)
        moving = _moving_columns(small, i, step)
        if moving is not None:  # something moves: what differs from the background there
            profile = profile * moving
        found = _densest(profile, span)
        # A subject is compact: change spread over the width (a fade, a pan, leaves in the
        # wind; or a still subject and a ghost) is no subject to follow: the path holds.
        if found is not None and found[1] >= MOTION_CONCENTRATION:
            xs[i] = found[0]
    return xs, shares


def contrast_position(small: npt.NDArray[np.float32], window: float) -> float:
    """The window-wide band with the most local contrast (the middle frame of the shot)."""
    frame = small[len(small) // 2]
    detail = np.abs(frame - cv2.GaussianBlur(frame, (0, 0), 3))
    found = _densest(detail.sum(axis=0).astype(np.float64), max(1, round(window * frame.shape[1])))
    return 0.5 if found is None else found[0]


@dataclass(frozen=True)
class Subject:
    """Raw, unsmoothed positions over the range (NaN where unknown)."""

    times: Floats
    xs: Floats
    cuts: tuple[float, ...]
    subject: str
    confidence: float
    faces: tuple[tuple[float, float, float], ...]


def _shot_of(times: Floats, cuts: Sequence[float]) -> npt.NDArray[np.int64]:
    """The index of the shot each time belongs to."""
    return np.searchsorted(np.asarray(sorted(cuts), dtype=np.float64), times + 1e-9, side="right").astype(np.int64)


def _face_target(boxes: list[Box], previous: float | None, window: float) -> float:
    """Where the window should be for these faces: all of them when they fit in its middle,
    else the biggest (a face near the one followed wins over a slightly bigger one)."""
    lefts, rights = [x - size / 2 for x, size in boxes], [x + size / 2 for x, size in boxes]
    if max(rights) - min(lefts) <= 0.6 * window:
        return (max(rights) + min(lefts)) / 2

    def weight(box: Box) -> float:
        near = previous is not None and abs(box[0] - previous) < 0.1
        return box[1] * (1.5 if near else 1.0)

    return max(boxes, key=weight)[0]


def _far_pairs(
    detections: list[tuple[float, list[Box]]], duration: float, window: float
) -> list[tuple[float, float, float]]:
    """(t, left face x, right face x) on a grid of FACE_GRID seconds, from the nearest face
    sample (within half a second) that saw two faces too far apart for one window."""
    seen = [(t, min(b[0] for b in boxes), max(b[0] for b in boxes)) for t, boxes in detections
            if len(boxes) >= 2 and max(b[0] for b in boxes) - min(b[0] for b in boxes) > 0.8 * window]  # fmt: skip
    if not seen:
        return []
    pairs = []
    for t in np.arange(0.0, duration, FACE_GRID):
        nearest = min(seen, key=lambda p: abs(p[0] - t))
        if abs(nearest[0] - t) <= 0.5:
            pairs.append((round(float(t), 3), nearest[1], nearest[2]))
    return pairs


def subject_find(frames: Frames, *, window: float, should_cancel: Callable[[], bool] | None = None) -> Subject:
    times, n = frames.times, len(frames.pixels)
    xs = np.full(n, np.nan)
    if n == 0:
        return Subject(times, xs, frames.cuts, "none", 0.0, ())
    shots = _shot_of(times, frames.cuts)
    detections = _confirmed(
        [(float(times[i]), boxes) for i, boxes in _face_samples(frames.pixels, frames.fps, should_cancel)]
    )
    face_x = np.full(n, np.nan)
    previous: float | None = None
    for t, boxes in detections:
        if boxes:
            i = round(t * frames.fps)
            previous = face_x[i] = _face_target(boxes, previous, window)
    small = _shrink(frames.pixels)
    motion = np.full(n, np.nan)
    still: list[tuple[int, int]] = []
    for first, last in shot_bounds(list(times), frames.cuts):
        shot_x, _ = motion_positions(small[first:last], window, frames.fps)
        motion[first:last] = shot_x
        if np.isnan(shot_x).all() and np.isnan(face_x[first:last]).all():
            still.append((first, last))
    motion_share = float((~np.isnan(motion)).mean())
    # Between face samples a face is held up to FACE_HOLD seconds (in its shot); beyond that
    # the moving subject takes over.
    known = np.flatnonzero(~np.isnan(face_x))
    reach = FACE_HOLD * frames.fps
    held = 0
    for i in range(n):
        near = known[(np.abs(known - i) <= reach) & (shots[known] == shots[i])]
        held += bool(len(near))
        xs[i] = face_x[near[np.argmin(np.abs(near - i))]] if len(near) else motion[i]
    face_share = held / n
    for first, last in still:  # nothing moves and no face: the most detailed band, held
        xs[first:last] = contrast_position(small[first:last], window)
    if face_share >= 0.3:
        subject, confidence = "face", min(1.0, face_share / 0.6)
    elif motion_share >= 0.3:
        subject, confidence = "motion", min(1.0, motion_share) * 0.9
    else:
        subject, confidence = "none", 0.0
    pairs = _far_pairs(detections, n / frames.fps, window)
    return Subject(times, xs, frames.cuts, subject, confidence, tuple(pairs))
