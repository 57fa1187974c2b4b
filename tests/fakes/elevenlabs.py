"""A fake ElevenLabs API on real loopback HTTP, at the paths the official SDK calls.

Speech is real: espeak-ng speaks the text and ffmpeg encodes it to MP3, and the character
alignment spreads the text over that audio's real duration. Written from the API's documented
shapes, independently of library/providers/tts, so the adapter is checked rather than mirrored.

    state = ElevenLabsState()
    with running(ElevenLabsHandler, state) as fake:
        provider = ElevenLabsProvider(api_key=KEY, base_url=fake.url, sleep=lambda s: None)
        ...
        assert state.calls[-1].key == KEY

Controls: fail_next(status, times), delay_next(seconds, times), and `calls` (method, path,
query, key, body). `alignments` keeps every alignment sent, `clones` every voice cloned,
`deleted` every voice id deleted. Speech to text (POST /v1/speech-to-text) answers `heard`
spread over the uploaded audio's real duration and keeps each request in `transcriptions`. Like the real service it is ONE account: every voice in it is
listed to every caller, whoever cloned it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import subprocess
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.server import Call, JSONHandler

KEY = "el-test-key-0123456789abcdef"
STOCK_VOICE = "JBFqnCBsd6RMkjVDRZzb"
MODELS = frozenset({"eleven_multilingual_v2", "eleven_v3", "eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_flash_v2"})
OUTPUT_FORMATS = frozenset({"mp3_44100_128", "mp3_44100_64", "mp3_22050_32", "mp3_44100_192"})
SETTING_RANGES = {"stability": (0, 1), "similarity_boost": (0, 1), "style": (0, 1), "speed": (0.7, 1.2)}
STT_MODELS = frozenset({"scribe_v1", "scribe_v1_experimental", "scribe_v2"})
GRANULARITIES = frozenset({"none", "word", "character"})


@dataclass
class FakeVoice:
    voice_id: str
    name: str
    category: str = "premade"
    labels: dict[str, str] = field(default_factory=dict)
    description: str = ""
    sharing: dict[str, Any] | None = None  # e.g. {"status": "copied"} for a Voice Library voice

    def to_json(self) -> dict[str, Any]:
        return {
            "voice_id": self.voice_id,
            "name": self.name,
            "category": self.category,
            "labels": self.labels,
            "description": self.description,
            "preview_url": f"https://example.invalid/{self.voice_id}.mp3",
            "available_for_tiers": [],
            "high_quality_base_model_ids": sorted(MODELS),
            "verified_languages": [{"language": "en", "model_id": "eleven_multilingual_v2", "accent": "american"}],
            "sharing": self.sharing,
        }


@dataclass
class Fault:
    status: int
    body: Any
    retry_after: float | None


def _stock_voices() -> dict[str, FakeVoice]:
    voices = [
        FakeVoice(STOCK_VOICE, "George", labels={"accent": "british", "gender": "male", "language": "en"}),
        FakeVoice("21m00Tcm4TlvDq8ikWAM", "Rachel", labels={"accent": "american", "gender": "female"}),
        FakeVoice("EXAVITQu4vr4xnSDxMaL", "Sarah", labels={"accent": "american", "gender": "female"}),
    ]
    return {v.voice_id: v for v in voices}


class ElevenLabsState:
    def __init__(self, *, keys: tuple[str, ...] = (KEY,), character_limit: int = 100_000) -> None:
        self.lock = threading.RLock()
        self.keys = set(keys)
        self.voices = _stock_voices()
        self.calls: list[Call] = []
        self.alignments: list[dict[str, Any]] = []
        self.clones: list[dict[str, Any]] = []
        self.deleted: list[str] = []
        self.character_count = 0
        self.character_limit = character_limit
        self.next_reset_unix = 1_767_225_600  # 2026-01-01T00:00:00Z
        self.tier = "creator"
        self._faults: deque[Fault] = deque()
        self._delays: deque[float] = deque()
        # Speech to text: the fake cannot listen, so it "hears" `heard` spread over the audio's
        # real length; words at the indices in `untimed` come back without start and end.
        self.heard = "Hello from the fake transcriber."
        self.untimed: set[int] = set()
        self.logprob = -0.05  # every word's (exp: its probability)
        self.transcriptions: list[dict[str, Any]] = []  # the form fields and file of every request

    def fail_next(self, status: int, times: int = 1, body: Any = None, retry_after: float | None = None) -> None:
        """The next `times` requests (any route) answer `status` before auth or routing."""
        if body is None:
            body = {"detail": {"status": "fake_failure", "message": f"Injected failure {status}"}}
        with self.lock:
            self._faults.extend(Fault(status, body, retry_after) for _ in range(times))

    def delay_next(self, seconds: float, times: int = 1) -> None:
        with self.lock:
            self._delays.extend([seconds] * times)

    def take(self) -> tuple[float, Fault | None]:
        with self.lock:
            delay = self._delays.popleft() if self._delays else 0.0
            fault = self._faults.popleft() if self._faults else None
        return delay, fault

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.fullmatch(pattern, c.path)]


@functools.lru_cache(maxsize=64)
def speak(text: str) -> tuple[bytes, float]:
    """Real speech for `text`: MP3 bytes and the MP3's duration."""
    with tempfile.TemporaryDirectory(prefix="fake-elevenlabs-") as tmp:
        wav, mp3 = Path(tmp) / "speech.wav", Path(tmp) / "speech.mp3"
        subprocess.run(["espeak-ng", "-w", str(wav), "--stdin"], input=text.encode(), check=True, timeout=60)
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav), "-ar", "44100",
             "-b:a", "128k", str(mp3)],
            check=True, timeout=60,
        )  # fmt: skip
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(mp3)],
            capture_output=True, check=True, timeout=30,
        )  # fmt: skip
        return mp3.read_bytes(), float(probe.stdout)


def alignment_for(text: str, duration: float) -> dict[str, Any]:
    """Each character gets an equal slice of the audio, in order, as ElevenLabs' alignment does
    in shape (characters, start and end times in seconds)."""
    step = duration / max(len(text), 1)
    return {
        "characters": list(text),
        "character_start_times_seconds": [round(i * step, 3) for i in range(len(text))],
        "character_end_times_seconds": [round((i + 1) * step, 3) for i in range(len(text))],
    }


def _invalid(loc: list[Any], msg: str, kind: str = "value_error") -> dict[str, Any]:
    """FastAPI's 422 body, as ElevenLabs answers for a malformed request."""
    return {"detail": [{"loc": loc, "msg": msg, "type": kind}]}


def _settings_error(settings: Any) -> dict[str, Any] | None:
    if settings is None:
        return None
    if not isinstance(settings, dict):
        return _invalid(["body", "voice_settings"], "Input should be a valid dictionary", "dict_type")
    for key, value in settings.items():
        loc = ["body", "voice_settings", key]
        if key == "use_speaker_boost":
            if not isinstance(value, bool):
                return _invalid(loc, "Input should be a valid boolean", "bool_type")
        elif key in SETTING_RANGES:
            low, high = SETTING_RANGES[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                return _invalid(loc, "Input should be a valid number", "float_type")
            if not low <= value <= high:
                return _invalid(loc, f"Input should be between {low} and {high}")
    return None


def parse_multipart(content_type: str, raw: bytes) -> list[tuple[str, str | None, bytes]]:
    """(name, filename, bytes) for every part, repeated names kept (voice samples are all "files")."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        return []
    parts = []
    for chunk in raw.split(b"--" + match.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        head_text = head.decode("utf-8", "replace")
        name = re.search(r'name="([^"]*)"', head_text)
        filename = re.search(r'filename="([^"]*)"', head_text)
        if name:
            parts.append((name.group(1), filename.group(1) if filename else None, data.removesuffix(b"\r\n")))
    return parts


class ElevenLabsHandler(JSONHandler):
    def do_GET(self) -> None:
        self.handle_quietly("GET")

    def do_POST(self) -> None:
        self.handle_quietly("POST")

    def do_DELETE(self) -> None:
        self.handle_quietly("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        raw = self.read_body()
        content_type = self.headers.get("Content-Type") or ""
        parts: list[tuple[str, str | None, bytes]] = []
        body: Any = None
        if content_type.startswith("multipart/form-data"):
            parts = parse_multipart(content_type, raw)
            body = [
                {"name": n, "filename": f, "size": len(d)} if f is not None else {"name": n, "value": d.decode()}
                for n, f, d in parts
            ]
        elif raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        key = self.headers.get("xi-api-key")
        with self.state.lock:
            self.state.calls.append(Call(method, url.path, query, key, body))

        delay, fault = self.state.take()
        if delay:
            time.sleep(delay)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            self.send_json(fault.status, fault.body, headers)
            return
        if not key:
            self.send_json(401, {"detail": {"status": "needs_authorization", "message": "Missing xi-api-key."}})
            return
        if key not in self.state.keys:
            self.send_json(401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
            return

        tts = re.fullmatch(r"/v1/text-to-speech/([^/]+)/with-timestamps", url.path)
        voice = re.fullmatch(r"/v1/voices/([^/]+)", url.path)
        if method == "POST" and tts:
            self._speech(tts.group(1), body, query)
        elif method == "POST" and url.path == "/v1/speech-to-text":
            self._transcribe(content_type, parts)
        elif method == "GET" and url.path == "/v2/voices":
            self._search_voices(query)
        elif method == "GET" and url.path == "/v1/voices":
            self.send_json(200, {"voices": [v.to_json() for v in self.state.voices.values()]})
        elif method == "POST" and url.path == "/v1/voices/add":
            self._clone(parts)
        elif method == "GET" and url.path == "/v1/user/subscription":
            self._subscription()
        elif method == "DELETE" and voice:
            self._delete_voice(voice.group(1))
        else:
            self.send_json(404, {"detail": "Not Found"})

    def _speech(self, voice_id: str, body: Any, query: dict[str, str]) -> None:
        if not isinstance(body, dict):
            self.send_json(422, _invalid(["body"], "Field required", "missing"))
            return
        text = body.get("text")
        output_format = query.get("output_format", "mp3_44100_128")
        if output_format not in OUTPUT_FORMATS:
            self.send_json(422, _invalid(["query", "output_format"], f"Unsupported format {output_format!r}"))
            return
        if not isinstance(text, str):
            self.send_json(422, _invalid(["body", "text"], "Field required", "missing"))
            return
        if not text.strip():
            self.send_json(400, {"detail": {"status": "invalid_text", "message": "Text must not be empty."}})
            return
        error = _settings_error(body.get("voice_settings"))
        if error:
            self.send_json(422, error)
            return
        model = body.get("model_id") or "eleven_multilingual_v2"
        if model not in MODELS:
            self.send_json(400, {"detail": {"status": "model_not_found", "message": f"Model {model!r} not found."}})
            return
        if voice_id not in self.state.voices:
            message = f"A voice with voice_id {voice_id} was not found."
            self.send_json(404, {"detail": {"status": "voice_not_found", "message": message}})
            return
        with self.state.lock:
            if self.state.character_count + len(text) > self.state.character_limit:
                left = self.state.character_limit - self.state.character_count
                message = f"This request exceeds your quota. You have {left} credits remaining."
                self.send_json(401, {"detail": {"status": "quota_exceeded", "message": message}})
                return
            self.state.character_count += len(text)
        audio, duration = speak(text)
        alignment = alignment_for(text, duration)
        with self.state.lock:
            self.state.alignments.append(alignment)
        payload = {"audio_base64": base64.b64encode(audio).decode(), "alignment": alignment}
        self.send_json(200, {**payload, "normalized_alignment": alignment})

    def _transcribe(self, content_type: str, parts: list[tuple[str, str | None, bytes]]) -> None:
        """POST /v1/speech-to-text as documented: multipart/form-data with model_id and one
        `file` (or a cloud_storage_url), optional language_code and timestamps_granularity
        (none | word | character). The answer: language_code, language_probability, text and
        words [{text, start, end, type: word | spacing | audio_event, speaker_id, logprob}]."""
        if not content_type.startswith("multipart/form-data"):
            self.send_json(422, _invalid(["body"], "Expected multipart/form-data", "model_attributes_type"))
            return
        fields = {name: data.decode("utf-8", "replace") for name, filename, data in parts if filename is None}
        files = [(filename, data) for name, filename, data in parts if name == "file" and filename is not None]
        if "model_id" not in fields:
            self.send_json(422, _invalid(["body", "model_id"], "Field required", "missing"))
            return
        if fields["model_id"] not in STT_MODELS:
            message = f"Model {fields['model_id']!r} does not support speech to text."
            self.send_json(400, {"detail": {"status": "invalid_model_id", "message": message}})
            return
        granularity = fields.get("timestamps_granularity", "word")
        if granularity not in GRANULARITIES:
            self.send_json(
                422, _invalid(["body", "timestamps_granularity"], f"Input should be {sorted(GRANULARITIES)}")
            )
            return
        if len(files) != 1 or "cloud_storage_url" in fields:
            message = "Exactly one of the file or cloud_storage_url parameters must be provided."
            self.send_json(400, {"detail": {"status": "invalid_parameters", "message": message}})
            return
        language = fields.get("language_code")
        if language is not None and not re.fullmatch(r"[a-z]{2,3}", language):
            self.send_json(422, _invalid(["body", "language_code"], "Invalid language code"))
            return
        duration = _audio_seconds(files[0][1])
        if duration is None:
            self.send_json(400, {"detail": {"status": "invalid_content", "message": "The file is not audio."}})
            return
        with self.state.lock:
            self.state.transcriptions.append(
                {**fields, "filename": files[0][0], "bytes": len(files[0][1]), "duration": duration}
            )
            heard, untimed, logprob = self.state.heard, set(self.state.untimed), self.state.logprob
        self.send_json(200, _transcription(heard, duration, granularity, language or "en", untimed, logprob))

    def _search_voices(self, query: dict[str, str]) -> None:
        voices = list(self.state.voices.values())
        if query.get("search"):
            voices = [v for v in voices if query["search"].lower() in v.name.lower()]
        size = min(int(query.get("page_size") or 10), 100)
        start = int(query.get("next_page_token") or 0)
        page = voices[start : start + size]
        more = start + size < len(voices)
        self.send_json(
            200,
            {
                "voices": [v.to_json() for v in page],
                "has_more": more,
                "total_count": len(voices),
                "next_page_token": str(start + size) if more else None,
            },
        )

    def _clone(self, parts: list[tuple[str, str | None, bytes]]) -> None:
        fields = {name: data.decode("utf-8", "replace") for name, filename, data in parts if filename is None}
        files = [(filename, data) for name, filename, data in parts if name == "files" and filename is not None]
        if not fields.get("name", "").strip():
            self.send_json(422, _invalid(["body", "name"], "Field required", "missing"))
            return
        if not files:
            self.send_json(422, _invalid(["body", "files"], "Field required", "missing"))
            return
        voice_id = hashlib.sha256(f"{fields['name']}-{len(self.state.voices)}".encode()).hexdigest()[:20]
        with self.state.lock:
            self.state.voices[voice_id] = FakeVoice(
                voice_id, fields["name"], category="cloned", description=fields.get("description", "")
            )
            self.state.clones.append(
                {
                    "voice_id": voice_id,
                    "name": fields["name"],
                    "description": fields.get("description"),
                    "files": [(fn, len(data), hashlib.sha256(data).hexdigest()) for fn, data in files],
                }
            )
        self.send_json(200, {"voice_id": voice_id, "requires_verification": False})

    def _delete_voice(self, voice_id: str) -> None:
        with self.state.lock:
            found = self.state.voices.get(voice_id)
            if found is None:
                message = f"A voice with voice_id {voice_id} was not found."
                self.send_json(404, {"detail": {"status": "voice_not_found", "message": message}})
                return
            if found.category == "premade":
                message = "Default voices cannot be deleted."
                self.send_json(400, {"detail": {"status": "voice_not_deletable", "message": message}})
                return
            del self.state.voices[voice_id]
            self.state.deleted.append(voice_id)
        self.send_json(200, {"status": "ok"})

    def _subscription(self) -> None:
        state = self.state
        self.send_json(
            200,
            {
                "tier": state.tier,
                "character_count": state.character_count,
                "character_limit": state.character_limit,
                "max_character_limit_extension": None,
                "can_extend_character_limit": True,
                "allowed_to_extend_character_limit": True,
                "next_character_count_reset_unix": state.next_reset_unix,
                "voice_slots_used": len(state.clones),
                "professional_voice_slots_used": 0,
                "voice_limit": 30,
                "voice_add_edit_counter": len(state.clones),
                "professional_voice_limit": 1,
                "can_extend_voice_limit": False,
                "can_use_instant_voice_cloning": True,
                "can_use_professional_voice_cloning": True,
                "currency": "usd",
                "status": "active",
                "billing_period": "monthly_period",
                "character_refresh_period": "monthly_period",
                "open_invoices": [],
                "has_open_invoices": False,
            },
        )


def _audio_seconds(data: bytes) -> float | None:
    with tempfile.NamedTemporaryFile(prefix="fake-elevenlabs-stt-") as handle:
        handle.write(data)
        handle.flush()
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", handle.name],
            capture_output=True, timeout=30,
        )  # fmt: skip
    try:
        return float(probe.stdout)
    except ValueError:
        return None


def _transcription(
    heard: str, duration: float, granularity: str, language: str, untimed: set[int], logprob: float
) -> dict[str, Any]:
    """`heard` spread evenly over `duration`, with a "spacing" item between words as the API
    returns them; word times are omitted for granularity "none" and for the `untimed` words."""
    tokens = heard.split()
    step = duration / max(len(tokens), 1)
    items: list[dict[str, Any]] = []
    for index, token in enumerate(tokens):
        start, end = round(index * step, 3), round(index * step + step * 0.8, 3)
        timed = granularity != "none" and index not in untimed
        items.append({
            "text": token, "start": start if timed else None, "end": end if timed else None, "type": "word",
            "speaker_id": "speaker_0", "logprob": logprob,
        })  # fmt: skip
        if index < len(tokens) - 1:
            items.append({"text": " ", "start": end, "end": round((index + 1) * step, 3), "type": "spacing",
                          "speaker_id": "speaker_0", "logprob": 0.0})  # fmt: skip
    return {
        "language_code": language, "language_probability": 0.98, "text": heard, "words": items,
        "transcription_id": hashlib.sha256(heard.encode()).hexdigest()[:16], "audio_duration_secs": round(duration, 3),
    }  # fmt: skip
