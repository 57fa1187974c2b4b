"""Real speech for tests: espeak-ng reading known sentences, with pauses between them, mixed over
real footage (a copy of ../shared/media), and a music-only clip with no speech at all.

    from tests.speech_media import SENTENCES, music_video, speech_video

    clip = speech_video(voice="en-gb", speed=140)   # SpeechClip, made once per process
    clip.path                    # 320x180 H.264 + AAC mp4, footage's own sound under the voice
    clip.text                    # the known words, as spoken
    clip.sentences               # (Spoken(text, start, end), ...): where each sentence is heard
    music_video()                # Path: footage with its music only (a transcript must be empty)

Everything is cached per process (functools.cache) in one temporary folder removed at exit, so
any number of tests, modules or fixtures share one file per (voice, speed, sentences, ...).
Sentence times are exact: each sentence's audio is trimmed of espeak's silence and placed at a
known sample offset. The fixtures `speech_clip` and `music_clip` wrap the defaults.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import re
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.media import CHAPLIN, SHARED_MEDIA

RATE = 16_000  # speech is made and mixed at Whisper's own rate
SENTENCES = (
    "Meet the new travel mug from Zenbrew.",
    "It keeps your coffee hot for twelve hours.",
    "The lid is easy to clean and never leaks.",
    "Order yours today and save twenty percent.",
)
# At least two voices and two speeds (words per minute; espeak-ng's default is 175).
VOICES = (("en-us", 150), ("en-us", 190), ("en-gb", 140), ("en-gb", 180))


@dataclass(frozen=True)
class Spoken:
    text: str
    start: float  # seconds in the clip
    end: float


@dataclass(frozen=True)
class SpeechClip:
    path: Path
    voice: str
    speed: int
    sentences: tuple[Spoken, ...]
    duration: float

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@functools.cache
def _root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="editai-speech-media-"))
    atexit.register(shutil.rmtree, root, True)
    shutil.copy(SHARED_MEDIA / CHAPLIN, root / CHAPLIN)  # never read or write shared/ in place
    return root


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, timeout=120, capture_output=True)


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2 and wav.getframerate() == RATE
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)


def _write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.astype(np.int16).tobytes())


@functools.cache
def _sentence(text: str, voice: str, speed: int) -> np.ndarray:
    """One sentence spoken, at RATE, without espeak's leading and trailing silence."""
    root = _root()
    raw, trimmed = root / "sentence-raw.wav", root / "sentence.wav"
    _run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text])
    trim = "silenceremove=start_periods=1:start_threshold=-45dB"
    _run(["ffmpeg", "-v", "error", "-y", "-i", str(raw), "-af", f"{trim},areverse,{trim},areverse",
          "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le", str(trimmed)])  # fmt: skip
    return _read_wav(trimmed)


@functools.cache
def speech_video(
    *,
    voice: str = "en-us",
    speed: int = 150,
    sentences: tuple[str, ...] = SENTENCES,
    pause: float = 0.8,
    lead: float = 0.5,
    background_db: float = -20.0,
    size: str = "320x180",
) -> SpeechClip:
    """`sentences` spoken by espeak-ng `voice` at `speed`, `lead` s in and `pause` s apart, over
    Chaplin footage whose own music plays `background_db` dB lower than usual under the voice."""
    root = _root()
    gap = np.zeros(int(pause * RATE), dtype=np.int16)
    track: list[np.ndarray] = [np.zeros(int(lead * RATE), dtype=np.int16)]
    spoken: list[Spoken] = []
    at = len(track[0])
    for index, text in enumerate(sentences):
        samples = _sentence(text, voice, speed)
        spoken.append(Spoken(text, round(at / RATE, 3), round((at + len(samples)) / RATE, 3)))
        track.append(samples)
        at += len(samples)
        if index < len(sentences) - 1:
            track.append(gap)
            at += len(gap)
    track.append(np.zeros(int(lead * RATE), dtype=np.int16))
    duration = (at + int(lead * RATE)) / RATE
    digest = hashlib.sha256(repr((sentences, pause, lead, background_db, size)).encode()).hexdigest()[:10]
    name = f"speech-{voice}-{speed}-{digest}"
    wav, out = root / f"{name}.wav", root / f"{name}.mp4"
    _write_wav(wav, np.concatenate(track))
    _mix(wav, out, duration=duration, background_db=background_db, size=size)
    wav.unlink()
    return SpeechClip(path=out, voice=voice, speed=speed, sentences=tuple(spoken), duration=round(duration, 3))


def _mix(speech: Path | None, out: Path, *, duration: float, background_db: float, size: str) -> None:
    footage = _root() / CHAPLIN
    args = ["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(footage)]
    music = f"[0:a]aresample=48000,volume={background_db}dB"
    if speech is None:
        audio = f"{music}[aout]"
    else:
        args += ["-i", str(speech)]
        audio = f"{music}[bg];[1:a]aresample=48000[fg];[fg][bg]amix=inputs=2:duration=first:normalize=0[aout]"
    video = f"[0:v]scale={size.replace('x', ':')},setsar=1[vout]"
    _run([*args, "-filter_complex", f"{video};{audio}", "-map", "[vout]", "-map", "[aout]", "-t", f"{duration:.3f}",
          "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-r", "25", "-c:a", "aac", "-ac", "1",
          "-movflags", "+faststart", str(out)])  # fmt: skip


@functools.cache
def music_video(*, seconds: float = 6.0, size: str = "320x180") -> Path:
    """Chaplin footage with its own piano music at its usual level, and no speech."""
    out = _root() / f"music-{seconds:g}-{size}.mp4"
    _mix(None, out, duration=seconds, background_db=0.0, size=size)
    return out


_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
_ONES += "seventeen eighteen nineteen"
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety"


def _number_words(number: int) -> str:
    ones, tens = _ONES.split(), _TENS.split()
    if number < 20:
        return ones[number]
    if number < 100:
        return tens[number // 10] + ("" if number % 10 == 0 else " " + ones[number % 10])
    if number < 1000:
        rest = number % 100
        return f"{ones[number // 100]} hundred" + (f" {_number_words(rest)}" if rest else "")
    return str(number)


def normalize_words(text: str) -> list[str]:
    """Words compared for WER: lower case, no punctuation, digits spelled out ("20%" and
    "twenty percent" are the same words), hyphens and apostrophes as in "it's" kept together."""
    text = text.lower().replace("%", " percent ").replace("-", " ")
    text = re.sub(r"\d+", lambda m: f" {_number_words(int(m.group()))} ", text)
    return re.sub(r"[^a-z' ]+", " ", text).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance over words."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1] / max(len(ref), 1)


@pytest.fixture(scope="session")
def speech_clip() -> SpeechClip:
    return speech_video()


@pytest.fixture(scope="session")
def music_clip() -> Path:
    return music_video()
