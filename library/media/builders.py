"""ffmpeg-python graphs for the product's media operations. One builder per operation,
parameterised; run them with library.media.ffmpeg.run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import ffmpeg

from library.media.graphs.encode import JPEG, TOOLS, Encoding, output_options


def thumbnail(src: Path, dest: Path, *, at: float, width: int = 480) -> Any:
    """One JPEG frame at `at` seconds, `width` wide (height even, aspect kept)."""
    return ffmpeg.input(str(src), ss=max(at, 0.0)).filter("scale", width, -2).output(str(dest), **JPEG)


def preview(src: Path, dest: Path, *, height: int = 360, has_audio: bool = True, crf: int = 30) -> Any:
    """A small, quick H.264 rendition of a video (for checks in a browser)."""
    source = ffmpeg.input(str(src))
    video = source.video.filter("scale", -2, height)
    streams = [video, source.audio] if has_audio else [video]
    return ffmpeg.output(*streams, str(dest), **output_options(replace(TOOLS, crf=crf), audio=has_audio, rate=False))


def sample_footage(dest: Path, *, seconds: float, width: int = 1280, height: int = 720, fps: int = 30) -> Any:
    """Sample footage from ffmpeg's own sources: a moving test card and a tone (the demo's
    video when none is given)."""
    video = ffmpeg.input(f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}", f="lavfi")
    audio = ffmpeg.input(f"sine=frequency=440:sample_rate=48000:duration={seconds}", f="lavfi")
    encoding = replace(TOOLS, preset="ultrafast", crf=23)
    return ffmpeg.output(video, audio, str(dest), t=seconds, **output_options(encoding, rate=False))


def mp4(src: Path, dest: Path, *, encoding: Encoding) -> Any:
    """Any video re-encoded to MP4 with an export preset's options (at its own size), e.g. for
    a publisher that takes nothing else. ffmpeg picks the first video and audio stream."""
    return ffmpeg.input(str(src)).output(str(dest), **output_options(encoding))
