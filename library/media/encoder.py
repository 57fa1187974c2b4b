"""Which H.264 encoder final renders use (EDITAI_VIDEO_ENCODER: auto, libx264 or h264_nvenc).

`auto` asks this worker's ffmpeg once per process: h264_nvenc must be compiled in AND a device must
answer a 0.1 s test encode (a build with NVENC but no driver or no GPU lists the encoder and then
fails to open it). Anything else, including a probe that hangs, falls back to libx264. An explicit
h264_nvenc is taken as asked: a render on a machine without a GPU then fails with ffmpeg's error
rather than silently running on the CPU. The clip's render_info records which encoder ran."""

from __future__ import annotations

import functools
import logging
import subprocess

from django.conf import settings

logger = logging.getLogger(__name__)

SOFTWARE = "libx264"
NVENC = "h264_nvenc"
PROBE_TIMEOUT = 20.0


def video_encoder() -> str:
    """The encoder this process's final renders use."""
    choice: str = settings.VIDEO_ENCODER
    return _probed(settings.FFMPEG_BINARY) if choice == "auto" else choice


@functools.cache
def _probed(binary: str) -> str:
    encoder = NVENC if nvenc_answers(binary) else SOFTWARE
    logger.info("video encoder probe: %s", encoder)
    return encoder


def nvenc_answers(binary: str) -> bool:
    """True when `binary` lists h264_nvenc and encodes a few black frames with it."""
    try:
        listed = subprocess.run(
            [binary, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=PROBE_TIMEOUT
        )
        if listed.returncode != 0 or f" {NVENC} " not in listed.stdout:
            return False
        trial = subprocess.run(
            [binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi",
             "-i", "color=c=black:s=256x256:r=30:d=0.1", "-c:v", NVENC, "-f", "null", "-"],
            capture_output=True, timeout=PROBE_TIMEOUT,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return trial.returncode == 0
