"""ffmpeg-python graphs for the product's media operations. One builder per operation,
parameterised; run them with library.media.ffmpeg.run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ffmpeg

# Every video we write: H.264 in yuv420p (plays everywhere), AAC, moov atom first.
H264 = {"vcodec": "libx264", "pix_fmt": "yuv420p", "movflags": "+faststart"}
AAC = {"acodec": "aac", "audio_bitrate": "128k", "ar": 48000}


def thumbnail(src: Path, dest: Path, *, at: float, width: int = 480) -> Any:
    """One JPEG frame at `at` seconds, `width` wide (height even, aspect kept)."""
    return (
        ffmpeg.input(str(src), ss=max(at, 0.0))
        .filter("scale", width, -2)
        .output(str(dest), vframes=1, format="image2", vcodec="mjpeg", **{"q:v": 4})
    )


def preview(src: Path, dest: Path, *, height: int = 360, has_audio: bool = True, crf: int = 30) -> Any:
    """A small, quick H.264 rendition of a video (for checks in a browser)."""
    source = ffmpeg.input(str(src))
    video = source.video.filter("scale", -2, height)
    streams = [video, source.audio] if has_audio else [video]
    audio_opts = AAC if has_audio else {}
    return ffmpeg.output(*streams, str(dest), preset="veryfast", crf=crf, **H264, **audio_opts)


def sample_footage(dest: Path, *, seconds: float, width: int = 1280, height: int = 720, fps: int = 30) -> Any:
    """Sample footage from ffmpeg's own sources: a moving test card and a tone (the demo's
    video when none is given)."""
    video = ffmpeg.input(f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}", f="lavfi")
    audio = ffmpeg.input(f"sine=frequency=440:sample_rate=48000:duration={seconds}", f="lavfi")
    return ffmpeg.output(video, audio, str(dest), preset="ultrafast", crf=23, t=seconds, **H264, **AAC)
