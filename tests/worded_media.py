"""Real speech with exact word times, for the tests of cutting, captioning and tightening on
what is said: espeak-ng speaks each word on its own, the word's audio is trimmed of silence and
placed at a known sample, so every word's start and end are known to the sample (no Whisper).
The words play over real footage (Chaplin, a copy of ../shared/media) at 320x180.

    clip = worded_video((("Meet the lamp.", 0.8), ("It folds flat.", 0.0)), voice="en-gb", speed=150)
    clip.path, clip.words, clip.sentences   # words/sentences as a Transcript stores them

Cached per process (functools.cache) in one temporary folder removed at exit.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.media import CHAPLIN, SHARED_MEDIA

WORD_GAP = 0.08  # seconds between two words of a sentence
SILENCE = 400  # |sample| below this (about -38 dBFS) is silence when trimming a word


@dataclass(frozen=True)
class WordedClip:
    path: Path
    words: tuple[dict, ...]  # {"text", "start", "end", "probability"}, seconds of the clip
    sentences: tuple[dict, ...]  # {"text", "start", "end"}
    duration: float
    rate: int

    @property
    def text(self) -> str:
        return " ".join(s["text"] for s in self.sentences)


@functools.cache
def _root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="editai-worded-media-"))
    atexit.register(shutil.rmtree, root, True)
    shutil.copy(SHARED_MEDIA / CHAPLIN, root / CHAPLIN)  # never read or write shared/ in place
    return root


@functools.cache
def _word(text: str, voice: str, speed: int) -> tuple[np.ndarray, int]:
    """One word spoken, without espeak's silence around it, and its sample rate."""
    path = _root() / "word.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True, timeout=30)
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE)
    return samples[loud[0] : loud[-1] + 1].copy(), rate


@functools.cache
def worded_video(
    script: tuple[tuple[str, float], ...], *, voice: str = "en-us", speed: int = 170, lead: float = 0.4,
    tail: float = 0.6, size: str = "320x180", start_at: float = 0.0,
) -> WordedClip:  # fmt: skip
    """Each (sentence, pause after it) of `script` spoken word by word by espeak-ng over Chaplin
    footage (from `start_at` s into the film); the film's own music is left out so that the
    speech is all there is to hear."""
    root = _root()
    chunks: list[np.ndarray] = []
    words: list[dict] = []
    sentences: list[dict] = []
    rate = _word("a", voice, speed)[1]
    at = int(lead * rate)
    chunks.append(np.zeros(at, dtype=np.int16))
    for sentence, pause in script:
        first = len(words)
        for index, token in enumerate(sentence.split()):
            samples, _ = _word(token.strip(".,!?"), voice, speed)
            if index:
                gap = np.zeros(int(WORD_GAP * rate), dtype=np.int16)
                chunks.append(gap)
                at += len(gap)
            words.append({"text": token, "start": round(at / rate, 4), "end": round((at + len(samples)) / rate, 4),
                          "probability": 0.95})  # fmt: skip
            chunks.append(samples)
            at += len(samples)
        sentences.append({"text": sentence, "start": words[first]["start"], "end": words[-1]["end"]})
        silence = np.zeros(int(pause * rate), dtype=np.int16)
        chunks.append(silence)
        at += len(silence)
    chunks.append(np.zeros(int(tail * rate), dtype=np.int16))
    duration = sum(len(c) for c in chunks) / rate
    name = f"worded-{abs(hash((script, voice, speed, lead, tail, size, start_at))):x}"
    wav, out = root / f"{name}.wav", root / f"{name}.mp4"
    with wave.open(str(wav), "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(np.concatenate(chunks).tobytes())
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-ss", f"{start_at:.2f}", "-stream_loop", "-1", "-i", str(root / CHAPLIN),
         "-i", str(wav), "-map", "0:v", "-map", "1:a", "-vf", f"scale={size.replace('x', ':')},setsar=1",
         "-t", f"{duration:.3f}", "-r", "25", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-ar", "48000", "-movflags", "+faststart", str(out)],
        check=True, timeout=120, capture_output=True,
    )  # fmt: skip
    wav.unlink()
    return WordedClip(out, tuple(words), tuple(sentences), round(duration, 3), rate)


def audio_samples(path: Path, *, rate: int = 16000) -> np.ndarray:
    """A media file's sound, mono float in -1..1 at `rate`."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768


def frame_png(path: Path, at: float, out: Path) -> Path:
    """The frame shown at `at` seconds, as a PNG."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1", str(out)],
                   check=True, timeout=60)  # fmt: skip
    return out
