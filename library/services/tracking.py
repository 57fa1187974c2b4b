"""Crop paths of source-video ranges, computed once and cached per video and range.

A variant or a re-render showing a range already tracked (or a part of one) reads the stored
path instead of decoding the source again."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.db import IntegrityError, transaction

from library import storage
from library.media.tracking import CropPath, crop_path_compute
from library.models import SourceVideo, SubjectTrack

# Bump when the tracker changes what it computes: older cached paths are then recomputed.
TRACKER_VERSION = 1
EPSILON = 0.002  # seconds: ranges stored at millisecond precision


def display_size(video: SourceVideo) -> tuple[int, int]:
    """The picture's size as played: ffmpeg applies the rotation before our filters see it."""
    if video.rotation % 180 == 90:
        return video.height, video.width
    return video.width, video.height


def crop_path_slice(path: CropPath, *, offset: float, length: float) -> CropPath:
    """The part of `path` from `offset` for `length` seconds, timed from its own start."""
    end = offset + length
    times, centres = [0.0], [path.at(offset)]
    cuts = tuple(round(c - offset, 4) for c in path.cuts if offset < c < end)
    for t, x in zip(path.times, path.centres, strict=True):
        if offset < t < end:
            times.append(round(t - offset, 4))
            centres.append(x)
    times.append(round(length, 4))
    centres.append(path.at(end - 1e-6))
    faces = tuple((round(t - offset, 4), a, b) for t, a, b in path.faces if offset <= t <= end)
    return CropPath(
        times=tuple(times), centres=tuple(centres), cuts=cuts, subject=path.subject,
        confidence=path.confidence, zoom=path.zoom, faces=faces,
    )  # fmt: skip


def crop_path_cached(*, video: SourceVideo, start: float, end: float) -> CropPath | None:
    """The stored path of this range, or the part of a stored longer range that covers it."""
    track = (
        SubjectTrack.objects.filter(
            source_video=video, version=TRACKER_VERSION, start__lte=start + EPSILON, end__gte=end - EPSILON
        )
        .order_by("end", "-start")
        .first()
    )
    if track is None:
        return None
    path = CropPath.from_json(track.path)
    if abs(track.start - start) <= EPSILON and abs(track.end - end) <= EPSILON:
        return path
    return crop_path_slice(path, offset=max(start - track.start, 0.0), length=end - start)


def crop_path_for(
    *,
    video: SourceVideo,
    start: float,
    end: float,
    source: Path | None = None,
    workdir: Path | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> CropPath:
    """The crop path of `video` between `start` and `end` (source seconds), from the cache or
    computed now (one decode of the range) and stored. Inside a job pass what it has: `source`,
    the local copy of the video (else the stored file is used, downloaded on remote storage),
    `workdir`, its workspace for scratch files (else the system's temporary folder), and
    `should_cancel` (ctx.is_cancelled), which stops the pass with ffmpeg.Cancelled."""
    start = round(max(start, 0.0), 3)
    end = round(min(end, video.duration) if video.duration else end, 3)
    if end <= start:
        raise ValueError(f"an empty range ({start}-{end} s) has no crop path")
    cached = crop_path_cached(video=video, start=start, end=end)
    if cached is not None:
        return cached
    width, height = display_size(video)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="track-", dir=workdir) as tmp:
        local = source or storage.local_copy(str(video.file.name), Path(tmp) / "source")
        path = crop_path_compute(local, start=start, end=end, width=width, height=height,
                                 should_cancel=should_cancel, workdir=Path(tmp))  # fmt: skip
    try:
        with transaction.atomic():
            SubjectTrack.objects.create(
                source_video=video, start=start, end=end, version=TRACKER_VERSION, path=path.to_json(),
                subject=path.subject, confidence=path.confidence, seconds=round(time.monotonic() - began, 3),
            )  # fmt: skip
    except IntegrityError:
        pass  # another worker stored the same range meanwhile: the paths are the same
    return path
