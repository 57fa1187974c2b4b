"""ffmpeg-python graphs for speech audio (voiceovers, voice samples), and where their silences are.

Build with these, run with library.media.ffmpeg.run, like builders.py.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from library.media import ffmpeg as ff

SPEECH_SAMPLE_RATE = 48000
# Quieter than this counts as silence. Synthetic speech is clean, so -40 dB separates its pauses
# from its quiet consonants; recorded samples carry room noise, so they get a looser threshold.
SPEECH_NOISE_DB = -40.0
RECORDING_NOISE_DB = -35.0


@dataclass(frozen=True)
class Silence:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def speech_wav(src: Path, dest: Path, *, sample_rate: int = SPEECH_SAMPLE_RATE) -> Any:
    """Any audio as 16-bit mono WAV at `sample_rate` (what the renderer mixes)."""
    return ffmpeg.input(str(src)).audio.output(str(dest), acodec="pcm_s16le", ac=1, ar=sample_rate, format="wav")


def silence_scan(src: Path, metadata_file: Path, *, noise_db: float, min_silence: float) -> Any:
    """Decode `src` and write silencedetect's findings to `metadata_file` (ffmpeg's own log is
    kept at error level by run(), so the findings travel as frame metadata instead)."""
    return (
        ffmpeg.input(str(src))
        .audio.filter("silencedetect", noise=f"{noise_db}dB", d=min_silence)
        .filter("ametadata", mode="print", file=str(metadata_file))
        .output("-", format="null")
    )


_SILENCE_KEY = re.compile(r"^lavfi\.silence_(start|end)=(-?[0-9.]+)", re.MULTILINE)


def parse_silences(metadata: str, *, duration: float) -> list[Silence]:
    """The silences in ametadata's output. A silence still open at the end of the file (which
    silencedetect reports only in its log) runs to `duration`."""
    silences: list[Silence] = []
    opened: float | None = None
    for kind, value in _SILENCE_KEY.findall(metadata):
        at = min(max(float(value), 0.0), duration)
        if kind == "start":
            opened = at
        elif opened is not None:
            if at > opened:
                silences.append(Silence(opened, at))
            opened = None
    if opened is not None and duration > opened:
        silences.append(Silence(opened, duration))
    return silences


def detect_silences(
    path: Path, *, duration: float, noise_db: float = SPEECH_NOISE_DB, min_silence: float = 0.05
) -> list[Silence]:
    """Stretches of at least `min_silence` seconds quieter than `noise_db`, in order."""
    with tempfile.TemporaryDirectory(prefix="silence-") as tmp:
        metadata_file = Path(tmp) / "silences.txt"
        stream = silence_scan(path, metadata_file, noise_db=noise_db, min_silence=min_silence)
        ff.run(stream, timeout=ff.timeout_for(duration))
        text = metadata_file.read_text(errors="replace") if metadata_file.exists() else ""
    return parse_silences(text, duration=duration)


def speech_seconds(path: Path, *, duration: float, noise_db: float = RECORDING_NOISE_DB) -> float:
    """How much of a recording is sound rather than silence (pauses under 0.3 s count as speech)."""
    silent = sum(s.duration for s in detect_silences(path, duration=duration, noise_db=noise_db, min_silence=0.3))
    return max(duration - silent, 0.0)
