"""Sample media for tests: the shared real footage (copied, never written in place) and small
files made with ffmpeg's lavfi sources."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from django.conf import settings

SHARED_MEDIA = Path(os.environ.get("EDITAI_SAMPLE_MEDIA") or Path(settings.BASE_DIR).parent / "shared" / "media")
BBB = "big_buck_bunny_0_30.webm"
CHAPLIN = "chaplin.mp4"


def make_video(
    path: Path, *, seconds: float = 2.0, size: str = "320x240", rate: int = 25, audio: bool = True, video: bool = True
) -> Path:
    """A small real file from lavfi: a test pattern and/or a tone."""
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
    if video:
        args += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    if video:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac"]
    subprocess.run([*args, str(path)], check=True, timeout=60)
    return path
