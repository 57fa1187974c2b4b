"""ffmpeg graphs and parsers for video analysis.

Two passes, each one decode of the source and run with library.media.ffmpeg.run:
- `scan_video`: the local analyser's measurements at low resolution — shot changes at the
  source frame rate (scdet), then per-sample luma statistics (signalstats) and a tiny grey
  thumbnail per sample for near-duplicate checks.
- `sample_frames`: JPEG frames for vision models, about one per FRAME_INTERVAL seconds, each
  taken from the middle of its slice of the video, longest side at most MAX_FRAME_SIDE.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from library.media import ffmpeg as ff

# --- the scan --------------------------------------------------------------------------------

SCAN_WIDTH = 160
THUMB_WIDTH, THUMB_HEIGHT = 32, 18
# scdet scores 0..100. Hard cuts in real footage score 20-30 at SCAN_WIDTH, fades and fast
# pans stay under 6; ffmpeg's own default is 10.
SCENE_THRESHOLD = 10.0
# Samples per second for the statistics. Longer videos are sampled more sparsely so the
# metadata stays a few MB; motion is then rescaled to this reference rate by the caller.
REFERENCE_FPS = 8.0
MAX_SCAN_SAMPLES = 4800

_FRAME_LINE = re.compile(r"^frame:\s*\d+\s+pts:\s*\S+\s+pts_time:\s*(?P<t>\S+)")


@dataclass(frozen=True)
class FrameStats:
    """One sample of the scan. Luma values are 8-bit (black is 16, white 235)."""

    t: float
    ydif: float  # mean absolute luma change since the previous sample
    yavg: float
    ylow: float  # 10th percentile
    yhigh: float  # 90th percentile


@dataclass(frozen=True)
class Scan:
    fps: float  # samples per second of `frames`
    frames: list[FrameStats]
    cuts: list[float]  # times of the first frame of each new shot
    thumbs: list[bytes]  # THUMB_WIDTH x THUMB_HEIGHT grey pixels, one per frame

    def thumb_at(self, t: float) -> bytes | None:
        """The thumbnail of the sample nearest to `t`."""
        if not self.thumbs:
            return None
        index = min(range(len(self.frames)), key=lambda i: abs(self.frames[i].t - t))
        return self.thumbs[min(index, len(self.thumbs) - 1)]


def scan_fps(duration: float) -> float:
    if duration <= 0 or duration * REFERENCE_FPS <= MAX_SCAN_SAMPLES:
        return REFERENCE_FPS
    return max(MAX_SCAN_SAMPLES / duration, 0.5)


def scan_graph(src: Path, *, stats_path: Path, cuts_path: Path, thumbs_path: Path, fps: float) -> Any:
    """One decode: shot changes at the full frame rate, then statistics and thumbnails per sample.

    Cuts are detected before the frame rate is reduced, so their times are exact to the source
    frame (a clip cut there shows no stray frame of the previous shot)."""
    return (
        ffmpeg.input(str(src))
        .video.filter("setpts", "PTS-STARTPTS")
        .filter("scale", SCAN_WIDTH, -2)
        .filter("scdet", threshold=SCENE_THRESHOLD)
        .filter("metadata", mode="print", key="lavfi.scd.time", file=str(cuts_path))
        .filter("fps", fps=round(fps, 4))
        .filter("signalstats")
        .filter("metadata", mode="print", file=str(stats_path))
        .filter("scale", THUMB_WIDTH, THUMB_HEIGHT)
        .filter("format", "gray")
        .output(str(thumbs_path), format="rawvideo", fps_mode="passthrough")
    )


def parse_metadata(text: str) -> list[tuple[float, dict[str, str]]]:
    """The output of ffmpeg's `metadata=mode=print` filter: (pts_time, {key: value}) per frame."""
    frames: list[tuple[float, dict[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        match = _FRAME_LINE.match(line)
        if match:
            try:
                frames.append((float(match["t"]), {}))
            except ValueError:
                continue
        elif frames and "=" in line:
            key, _, value = line.partition("=")
            frames[-1][1][key] = value
    return frames


def _number(values: dict[str, str], key: str) -> float:
    try:
        return float(values.get(key, "0"))
    except ValueError:
        return 0.0


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def scan_video(
    src: Path,
    workdir: Path,
    *,
    duration: float,
    on_progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Scan:
    """Run the scan over `src`, writing its scratch files into `workdir` (which must exist)."""
    fps = scan_fps(duration)
    stats_path, cuts_path, thumbs_path = workdir / "stats.txt", workdir / "cuts.txt", workdir / "thumbs.gray"
    graph = scan_graph(src, stats_path=stats_path, cuts_path=cuts_path, thumbs_path=thumbs_path, fps=fps)
    ff.run(
        graph,
        timeout=ff.timeout_for(duration),
        duration=duration,
        on_progress=on_progress,
        should_cancel=should_cancel,
    )
    frames = [
        FrameStats(
            t=t,
            ydif=_number(values, "lavfi.signalstats.YDIF"),
            yavg=_number(values, "lavfi.signalstats.YAVG"),
            ylow=_number(values, "lavfi.signalstats.YLOW"),
            yhigh=_number(values, "lavfi.signalstats.YHIGH"),
        )
        for t, values in parse_metadata(_read(stats_path))
    ]
    cuts = sorted(t for t, values in parse_metadata(_read(cuts_path)) if "lavfi.scd.time" in values and t > 0)
    size = THUMB_WIDTH * THUMB_HEIGHT
    raw = thumbs_path.read_bytes() if thumbs_path.exists() else b""
    thumbs = [raw[i : i + size] for i in range(0, len(raw) - size + 1, size)]
    return Scan(fps=fps, frames=frames, cuts=cuts, thumbs=thumbs)


def thumb_distance(a: bytes, b: bytes) -> float:
    """Mean absolute difference of two thumbnails (0 = identical, 255 = opposite)."""
    if not a or len(a) != len(b):
        return 255.0
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


# --- frames for vision models ----------------------------------------------------------------

FRAME_INTERVAL = 2.0
MAX_FRAME_SIDE = 768
JPEG_QUALITY = 4  # mjpeg q:v, 2 (best) .. 31


@dataclass(frozen=True)
class SampledFrame:
    t: float
    path: Path


def sample_times(duration: float, interval: float = FRAME_INTERVAL) -> list[float]:
    """The times frames are taken at: the video cut into equal slices of about `interval`
    seconds, one frame from the middle of each. The count is what a cost estimate uses."""
    if duration <= 0:
        return []
    count = max(1, int(duration / interval + 0.5))
    step = duration / count
    return [round((i + 0.5) * step, 3) for i in range(count)]


def sample_graph(src: Path, *, pattern: Path, times_path: Path, step: float, max_side: int = MAX_FRAME_SIDE) -> Any:
    """JPEGs of the first frame at or after the middle of each `step`-long slice."""
    half = step / 2
    # prev_selected_t is NaN until a frame is taken; comparisons with NaN are false in ffmpeg.
    pick = (
        f"gte(t,{half:.6f})*(isnan(prev_selected_t)"
        f"+gt(floor((t-{half:.6f})/{step:.6f}),floor((prev_selected_t-{half:.6f})/{step:.6f})))"
    )
    # Never upscale; the longer side is capped, the other keeps the aspect ratio (even).
    width = f"if(gte(iw,ih),min({max_side},iw),-2)"
    height = f"if(gte(iw,ih),-2,min({max_side},ih))"
    return (
        ffmpeg.input(str(src))
        .video.filter("setpts", "PTS-STARTPTS")
        .filter("select", pick)
        .filter("metadata", mode="add", key="editai.sample", value="1")
        .filter("metadata", mode="print", file=str(times_path))
        .filter("scale", width, height)
        .output(str(pattern), format="image2", vcodec="mjpeg", fps_mode="passthrough", **{"q:v": JPEG_QUALITY})
    )


def sample_frames(
    src: Path,
    workdir: Path,
    *,
    duration: float,
    interval: float = FRAME_INTERVAL,
    max_side: int = MAX_FRAME_SIDE,
    on_progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> list[SampledFrame]:
    """Write the sampled JPEGs into `workdir` (which must exist) in one pass; their real times."""
    times = sample_times(duration, interval)
    if not times:
        return []
    times_path = workdir / "frames.txt"
    graph = sample_graph(
        src, pattern=workdir / "frame-%05d.jpg", times_path=times_path, step=duration / len(times), max_side=max_side
    )
    ff.run(
        graph,
        timeout=ff.timeout_for(duration),
        duration=duration,
        on_progress=on_progress,
        should_cancel=should_cancel,
    )
    stamps = [t for t, _ in parse_metadata(_read(times_path))]
    files = sorted(workdir.glob("frame-*.jpg"))
    return [SampledFrame(t=round(t, 3), path=path) for t, path in zip(stamps, files, strict=False)]
