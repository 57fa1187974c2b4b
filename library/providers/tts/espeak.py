"""espeak-ng: local, free, offline speech — the default TTS without an ElevenLabs key.

Speech comes from libespeak-ng in a child process (espeak_events.py), which also reports where
each word starts; when that library cannot be used, the espeak-ng command writes the audio and
word timings are estimated from the text, fitted to the audio and pinned to its pauses. Either
way the result is a 48 kHz mono WAV whose duration is measured, not assumed.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

from costs.services import cost_entry_record
from library.media import audio
from library.media import ffmpeg as ff
from library.media.probe import probe
from library.providers.tts import timing
from library.providers.tts.base import Speech, TTSError, Voice, bad_input, require_scope

logger = logging.getLogger(__name__)

MODEL = "espeak-ng"
EVENTS_SCRIPT = Path(__file__).with_name("espeak_events.py")
RATE_RANGE, DEFAULT_RATE = (80, 450), 175  # words per minute (espeak-ng's own bounds)
PITCH_RANGE, DEFAULT_PITCH = (0, 99), 50
SETTINGS_KEYS = ("rate", "pitch")
VOICES_TIMEOUT = 30.0
# A language code or voice file ("en-us", "gmw/en-GB-x-rp"), optionally "+variant" ("en-us+f3"):
# the form of every name `espeak-ng --voices` lists. It becomes a command-line argument.
VOICE_ID = re.compile(r"[A-Za-z0-9-]{1,40}(?:/[A-Za-z0-9-]{1,40})?(?:\+[A-Za-z0-9_-]{1,40})?")


def _timeout(text: str) -> float:
    """Generous: espeak-ng speaks far faster than real time (about 50x)."""
    return 30.0 + 0.02 * len(text)


def _clean(text: str) -> str:
    """Control characters (a NUL would end the text early for the library) become spaces."""
    return "".join(" " if (ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 else ch for ch in text)


def _setting(voice_settings: dict, key: str, bounds: tuple[int, int], default: int) -> int:
    value = voice_settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise bad_input(f"espeak-ng {key} must be a number, got {value!r}.")
    if not bounds[0] <= value <= bounds[1]:
        raise bad_input(f"espeak-ng {key} must be between {bounds[0]} and {bounds[1]}, got {value}.")
    return round(value)


def parse_voices(listing: str) -> list[Voice]:
    """`espeak-ng --voices` as Voices. The id is the language code, which -v accepts; a language
    listed twice (yue) is told apart by its voice file for the second and later entries."""
    voices: list[Voice] = []
    seen: set[str] = set()
    for line in listing.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 5 or not parts[0].isdigit():
            continue
        language, age_gender, name, file = parts[1], parts[2], parts[3], parts[4]
        gender = {"M": "male", "F": "female"}.get(age_gender.rpartition("/")[2], "")
        labels = {"file": file, **({"gender": gender} if gender else {})}
        voice_id = file if language in seen else language
        seen.add(language)
        voices.append(
            Voice(id=voice_id, name=name.replace("_", " "), provider="espeak", language=language, labels=labels)
        )
    return voices


@functools.cache
def _listing(binary: str, which: str) -> str:
    try:
        out = subprocess.run(
            [binary, f"--voices={which}" if which else "--voices"],
            capture_output=True,
            timeout=VOICES_TIMEOUT,
            check=True,
        )
    except FileNotFoundError:
        raise TTSError(f"espeak-ng is not installed ({binary!r} was not found).", retryable=False) from None
    except (subprocess.SubprocessError, OSError) as exc:
        raise TTSError(f"espeak-ng could not list its voices: {exc}", retryable=False) from None
    return out.stdout.decode(errors="replace")


def _variants(binary: str) -> set[str]:
    """Voice variants ("f3", "klatt"...) that may follow a voice after '+'."""
    return {voice.labels["file"].rpartition("/")[2].lower() for voice in parse_voices(_listing(binary, "variant"))}


class EspeakProvider:
    name = "espeak"

    def __init__(
        self,
        *,
        binary: str | None = None,
        default_voice: str | None = None,
        word_events: bool = True,
        library: str | None = None,
    ) -> None:
        self.binary = binary or settings.ESPEAK_BINARY
        self.default_voice = default_voice or settings.ESPEAK_VOICE
        self.word_events = word_events  # False: always the command line and estimated timings
        self.library = library  # libespeak-ng's file name; None: wherever the system has it

    def voices(self, *, deadline: float | None = None) -> list[Voice]:
        """The installed voices (listed once per process; `deadline` is not needed: it is local)."""
        return parse_voices(_listing(self.binary, ""))

    @staticmethod
    def valid_voice_id(voice_id: str) -> bool:
        return bool(VOICE_ID.fullmatch(voice_id or ""))

    def installed(self, voice_id: str) -> bool:
        """Whether espeak-ng here has this voice (a listed id or voice file, and any variant)."""
        if not self.valid_voice_id(voice_id):
            return False
        voices = self.voices()
        known = {v.id for v in voices} | {v.labels["file"] for v in voices}
        base, _, variant = voice_id.partition("+")
        return base in known and (not variant or variant.lower() in _variants(self.binary))

    def _check_voice(self, voice_id: str) -> None:
        if not self.installed(voice_id):
            raise bad_input(f"Unknown espeak-ng voice {voice_id!r}; list the voices to see which exist.")

    def synthesize(
        self,
        *,
        text: str,
        out_dir: Path,
        voice_id: str | None = None,
        model: str | None = None,
        voice_settings: dict | None = None,
        job_id: uuid.UUID | str | None = None,
    ) -> Speech:
        require_scope()
        text = _clean(text)
        if not text.strip():
            raise bad_input("There is no text to speak.")
        if model not in (None, "", MODEL):
            raise bad_input(f"espeak-ng has one model, {MODEL!r}; got {model!r}.")
        options = dict(voice_settings or {})
        unknown = sorted(set(options) - set(SETTINGS_KEYS))
        if unknown:
            raise bad_input(f"Unknown espeak-ng settings {unknown}; allowed: {list(SETTINGS_KEYS)}.")
        rate = _setting(options, "rate", RATE_RANGE, DEFAULT_RATE)
        pitch = _setting(options, "pitch", PITCH_RANGE, DEFAULT_PITCH)
        voice = voice_id or self.default_voice
        self._check_voice(voice)

        out_dir.mkdir(parents=True, exist_ok=True)
        dest = out_dir / f"tts-{uuid.uuid4().hex[:12]}.wav"
        with tempfile.TemporaryDirectory(prefix=".espeak-", dir=out_dir) as tmp:
            raw = Path(tmp) / "raw.wav"
            events = self._speak_with_events(text, voice, rate, pitch, raw) if self.word_events else None
            if events is None:
                self._speak_with_command(text, voice, rate, pitch, raw)
            try:
                ff.run(audio.speech_wav(raw, dest), timeout=ff.timeout_for(len(text) / 5))
                duration = probe(dest).duration
                silences = audio.detect_silences(dest, duration=duration)
            except ff.MediaError as exc:
                dest.unlink(missing_ok=True)
                raise TTSError(f"espeak-ng's audio could not be converted: {exc.message}", retryable=False) from None
        if events is not None:
            words = timing.event_words(text, events, duration=duration, silences=silences)
        else:
            words = timing.estimated_words(text, duration=duration, silences=silences)
        cost_entry_record(
            provider="espeak", model=MODEL, operation="tts", units={"characters": len(text)}, job_id=job_id
        )
        return Speech(
            audio_path=dest, duration=duration, words=words, provider=self.name, model=MODEL, voice_id=voice,
            characters=len(text),
        )  # fmt: skip

    def _speak_with_events(self, text: str, voice: str, rate: int, pitch: int, wav: Path) -> list[Any] | None:
        """Audio and word events from the library, or None when it cannot be used here."""
        request = {"text": text, "voice": voice, "rate": rate, "pitch": pitch, "wav": str(wav), "library": self.library}
        try:
            out = subprocess.run(
                [sys.executable, "-I", str(EVENTS_SCRIPT)],
                input=json.dumps(request).encode(),
                capture_output=True,
                timeout=_timeout(text),
                check=False,
            )
            result = json.loads(out.stdout) if out.returncode == 0 else None
        except (subprocess.SubprocessError, OSError, ValueError) as exc:
            logger.warning("espeak-ng word events unavailable (%s); estimating word timings", exc)
            return None
        if result is None or not wav.exists():
            logger.warning(
                "espeak-ng word events unavailable (exit %s: %s); estimating word timings",
                out.returncode, out.stderr.decode(errors="replace").strip()[-300:],
            )  # fmt: skip
            return None
        return [(int(offset), ms / 1000) for offset, ms in result["events"]]

    def _speak_with_command(self, text: str, voice: str, rate: int, pitch: int, wav: Path) -> None:
        # Text on stdin: no shell, no argument parsing (a leading '-'), no length limit.
        argv = [self.binary, "-b", "1", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(wav), "--stdin"]
        try:
            out = subprocess.run(argv, input=text.encode(), capture_output=True, timeout=_timeout(text), check=False)
        except FileNotFoundError:
            raise TTSError(f"espeak-ng is not installed ({self.binary!r} was not found).", retryable=False) from None
        except subprocess.TimeoutExpired:
            raise TTSError("espeak-ng took too long to speak the text.", retryable=True) from None
        if out.returncode != 0 or not wav.exists() or wav.stat().st_size <= 44:
            detail = out.stderr.decode(errors="replace").strip()[-300:]
            raise TTSError(f"espeak-ng failed: {detail or f'exit {out.returncode}'}", retryable=False)
