"""The one set of H.264/AAC output options, built from an export preset's `Encoding`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# One JPEG still (thumbnails), at the quality every thumbnail uses.
JPEG: dict[str, Any] = {"vframes": 1, "format": "image2", "vcodec": "mjpeg", "q:v": 4}


@dataclass(frozen=True)
class Encoding:
    """How a video is encoded (library.presets.Preset.encoding builds one from a preset)."""

    width: int = 1080
    height: int = 1920
    fps: int = 30
    video_codec: str = "libx264"
    preset: str = "veryfast"
    crf: int = 23
    profile: str = "high"
    level: str | None = "4.1"
    max_bitrate: str | None = None  # e.g. "8M" (with a buffer twice as large)
    audio_bitrate: str = "128k"
    sample_rate: int = 48000
    channels: int | None = 2  # None: keep the source's channel layout
    threads: int = 0


# x264 speed presets -> the NVENC presets of about the same speed/quality trade.
NVENC_PRESETS = {
    "ultrafast": "p1", "superfast": "p2", "veryfast": "p3", "faster": "p3", "fast": "p4",
    "medium": "p5", "slow": "p6", "slower": "p7", "veryslow": "p7",
}  # fmt: skip

# The stand-alone tools keep their source's size, rate and channels: no level (a 4K trim is over
# level 4.1's limits), no -ac. Callers set crf/speed per tool.
TOOLS = Encoding(crf=20, level=None, channels=None)


def output_options(enc: Encoding, *, audio: bool = True, rate: bool = True) -> dict[str, Any]:
    """ffmpeg output options: H.264 in yuv420p (plays everywhere), moov atom first, and AAC when
    `audio`. `rate` forces the encoding's frame rate (off: the graph's own rate)."""
    options: dict[str, Any] = {
        "vcodec": enc.video_codec, "preset": enc.preset, "crf": enc.crf, "profile:v": enc.profile,
        "pix_fmt": "yuv420p", "movflags": "+faststart",
    }  # fmt: skip
    if enc.video_codec == "h264_nvenc":
        # NVENC has no CRF: constant quality (-cq, same scale) in VBR mode with no bitrate target,
        # and its own preset names (p1 fastest .. p7 best) in place of x264's.
        del options["crf"]
        options.update(preset=NVENC_PRESETS.get(enc.preset, "p4"), rc="vbr", cq=enc.crf, **{"b:v": 0})
    if rate:
        options["r"] = enc.fps
    if enc.level:
        options["level"] = enc.level
    if enc.max_bitrate:
        options["maxrate"] = enc.max_bitrate
        options["bufsize"] = _double(enc.max_bitrate)
    if enc.threads:
        options["threads"] = enc.threads
    if audio:
        options.update(acodec="aac", audio_bitrate=enc.audio_bitrate, ar=enc.sample_rate)
        if enc.channels:
            options["ac"] = enc.channels
    return options


def _double(rate: str) -> str:
    number, unit = (rate[:-1], rate[-1]) if rate[-1].isalpha() else (rate, "")
    return f"{float(number) * 2:g}{unit}"
