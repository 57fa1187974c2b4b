"""The subject of a range of a source video, as a smoothed crop path for a full-height 9:16 window.

One ffmpeg decode per range (tracking.subject): grey frames at TRACK_FPS and at most TRACK_WIDTH
pixels wide, with shot changes found at the source frame rate on the way (scdet, as the analysis
scan does). Then, per frame, in numpy and OpenCV:
- faces: OpenCV's bundled Haar cascade (frontal, alt2: the fewest false hits) once a second,
  and four times a second around the faces it finds; a face counts when another one is seen
  near it within a second (single hits are mostly false positives);
- elsewhere the salient moving subject: the difference to the shot's median frame (a subject
  that stops still differs from the background the median shows), its densest window-wide band;
- no face and no motion: the band with the most local contrast, held for the shot.
`crop_path_smooth` (tracking.smooth) turns the raw positions into a path a camera operator
would draw.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from library.media.tracking.smooth import MAX_SPEED, crop_path_smooth
from library.media.tracking.subject import FACE_GRID, TRACK_FPS, frames_decode, subject_find

__all__ = [
    "FACE_GRID",
    "MAX_SPEED",
    "TRACK_FPS",
    "CropPath",
    "crop_path_compute",
    "crop_path_smooth",
    "crop_zoom",
    "window_share",
]

OUTPUT_WIDTH, OUTPUT_HEIGHT = 1080, 1920


@dataclass(frozen=True)
class CropPath:
    """Where a full-height 9:16 window over a range of a source is centred, over time.

    `times` are seconds from the range's start (ascending, the first 0.0, and one point exactly at
    each cut); `centres` the window centre's x as a share of the source width, smoothed and kept
    inside the frame. At a cut the path jumps. `faces`: (t, x of the left face, x of the right
    face) where two faces are too far apart for one window (an interview), for a split layout."""

    times: tuple[float, ...]
    centres: tuple[float, ...]
    cuts: tuple[float, ...]
    subject: str  # "face" | "motion" | "none"
    confidence: float
    zoom: float
    faces: tuple[tuple[float, float, float], ...] = ()

    def at(self, t: float) -> float:
        """The centre at `t`: linear between points of the same shot, held up to a cut."""
        if not self.times:
            return 0.5
        shot = bisect.bisect_right(self.cuts, t)
        lo = self.cuts[shot - 1] if shot else -math.inf
        hi = self.cuts[shot] if shot < len(self.cuts) else math.inf
        first = bisect.bisect_left(self.times, lo - 1e-9)
        last = bisect.bisect_left(self.times, hi - 1e-9)
        if first >= last:  # a shot without points: the last position before it
            return self.centres[max(first - 1, 0)]
        return float(np.interp(t, self.times[first:last], self.centres[first:last]))

    def to_json(self) -> dict[str, object]:
        return {
            "times": [round(t, 3) for t in self.times],
            "centres": [round(x, 4) for x in self.centres],
            "cuts": [round(c, 3) for c in self.cuts],
            "subject": self.subject,
            "confidence": round(self.confidence, 3),
            "zoom": round(self.zoom, 3),
            "faces": [[round(t, 3), round(a, 4), round(b, 4)] for t, a, b in self.faces],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CropPath:
        return cls(
            times=tuple(float(t) for t in data["times"]),
            centres=tuple(float(x) for x in data["centres"]),
            cuts=tuple(float(c) for c in data.get("cuts", ())),
            subject=str(data.get("subject", "none")),
            confidence=float(data.get("confidence", 0.0)),
            zoom=float(data.get("zoom", 1.0)),
            faces=tuple((float(t), float(a), float(b)) for t, a, b in data.get("faces", ())),
        )


def window_share(width: int, height: int) -> float:
    """The 9:16 full-height window's width as a share of the source width (1.0: no crop)."""
    if width <= 0 or height <= 0:
        return 1.0
    return min(1.0, height * 9 / 16 / width)


def crop_zoom(width: int, height: int) -> float:
    """How much the crop enlarges the source to fill 1080x1920."""
    if width <= 0 or height <= 0:
        return 1.0
    crop_w, crop_h = min(width, height * 9 / 16), min(height, width * 16 / 9)
    return max(OUTPUT_WIDTH / crop_w, OUTPUT_HEIGHT / crop_h)


def crop_path_compute(
    path: Path,
    *,
    start: float,
    end: float,
    width: int,
    height: int,
    should_cancel: Callable[[], bool] | None = None,
    workdir: Path | None = None,
) -> CropPath:
    """The crop path of `path` between `start` and `end` (source seconds; the path's times are
    from `start`), for a source `width` x `height` (as displayed). One decode of the range, its
    scratch files in a temporary folder inside `workdir` (a job's workspace; default: the
    system's), removed on every path. `should_cancel` stops it (ffmpeg.Cancelled)."""
    window = window_share(width, height)
    zoom = crop_zoom(width, height)
    if window >= 1.0:  # portrait or square: the full width already fits, nothing to follow
        return CropPath(times=(0.0,), centres=(0.5,), cuts=(), subject="none", confidence=0.0, zoom=zoom)
    frames = frames_decode(
        path, start=start, end=end, width=width, height=height, should_cancel=should_cancel, workdir=workdir
    )
    found = subject_find(frames, window=window, should_cancel=should_cancel)
    times = list(found.times)
    xs = list(found.xs)
    # A point exactly at each cut, holding the new shot's first position: the path jumps there.
    for cut in found.cuts:
        index = bisect.bisect_left(times, cut - 1e-9)
        if index < len(times) and abs(times[index] - cut) > 1e-6:
            times.insert(index, cut)
            xs.insert(index, xs[index])
    if not times:
        times, xs = [0.0], [math.nan]
    centres = crop_path_smooth(times, xs, cuts=found.cuts, window=window)
    return CropPath(
        times=tuple(round(t, 4) for t in times),
        centres=centres,
        cuts=found.cuts,
        subject=found.subject,
        confidence=found.confidence,
        zoom=zoom,
        faces=found.faces,
    )
