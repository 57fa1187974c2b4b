"""A fake Gemini API: `POST /{v1|v1beta}/models/{model}:generateContent` on loopback.

google-genai 3.x calls `/v1/...` by default (`/v1beta/...` when told to); both are served. The
fake checks what a real request must carry — the `x-goog-api-key` header, inline JPEG frames,
a JSON response schema, and (when `expected_context` is set) the product context — and answers
like the API: segments in the candidate's text, derived from the frame times it was sent
(each frame is preceded by a text part "Frame at 12.0 s:"), plus `usageMetadata`.

    state = GeminiState(expected_context="Acme shoes")
    with running(GeminiHandler, state) as fake:
        provider = GeminiAnalysisProvider(api_key=API_KEY, base_url=fake.url, ...)
        state.fail_next(429, times=2)
        ...
        assert state.calls[-1].images == 15

Controls: fail_next(status, times, retry_delay), delay_next(seconds, times), malformed_next(kind, times) with
kind "not_json", "wrong_shape" or "outside" (a segment past the end of any video).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import JSONHandler

API_KEY = "gm-test-key-0123456789abcdef"
TOKENS_PER_IMAGE = 258
PATH = re.compile(r"^/(?P<version>v1|v1beta)/models/(?P<model>[A-Za-z0-9._-]+):generateContent$")
FRAME_TIME = re.compile(r"at (?P<t>\d+(?:\.\d+)?) s")
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


@dataclass
class GeminiCall:
    path: str
    model: str
    key: str | None
    images: int = 0
    image_bytes: list[bytes] = field(default_factory=list)
    frame_times: list[float] = field(default_factory=list)
    prompt: str = ""  # every text part, joined
    body: dict[str, Any] = field(default_factory=dict)
    status: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    answer: str = ""


@dataclass
class GeminiState:
    api_key: str = API_KEY
    expected_context: str | None = None
    thinking_tokens: int = 96
    calls: list[GeminiCall] = field(default_factory=list)
    _failures: deque[tuple[int, float | None]] = field(default_factory=deque)
    _delays: deque[float] = field(default_factory=deque)
    _malformed: deque[str] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, times: int = 1, retry_delay: float | None = None) -> None:
        """Answer the next `times` calls with `status`; `retry_delay` adds the google.rpc.RetryInfo
        the real API puts in its 429s ("retryDelay": "12s")."""
        with self._lock:
            self._failures.extend([(status, retry_delay)] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        with self._lock:
            self._delays.extend([seconds] * times)

    def malformed_next(self, kind: str = "not_json", times: int = 1) -> None:
        if kind not in ("not_json", "wrong_shape", "outside"):
            raise ValueError(f"unknown malformed kind {kind!r}")
        with self._lock:
            self._malformed.extend([kind] * times)

    def pop(self, queue: deque[Any]) -> Any:
        with self._lock:
            return queue.popleft() if queue else None

    @property
    def answered(self) -> list[GeminiCall]:
        return [call for call in self.calls if call.status == 200]


class BadRequest(Exception):
    pass


def _image(part: dict[str, Any]) -> bytes | None:
    inline = part.get("inlineData") or part.get("inline_data")
    if inline is None:
        return None
    mime = inline.get("mimeType") or inline.get("mime_type")
    if mime != "image/jpeg":
        raise BadRequest(f"inline data must be image/jpeg here, got {mime!r}")
    data = inline.get("data") or ""
    try:  # the API takes standard or URL-safe base64 (google-genai sends URL-safe)
        raw = base64.urlsafe_b64decode(data.replace("+", "-").replace("/", "_") + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        raise BadRequest("inline data is not base64") from None
    if not raw.startswith(b"\xff\xd8\xff"):
        raise BadRequest("inline data labelled image/jpeg is not a JPEG")
    return raw


def _read_request(body: dict[str, Any], call: GeminiCall) -> None:
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise BadRequest("contents must be a non-empty list")
    texts: list[str] = []
    last_text = ""
    for content in contents:
        for part in content.get("parts") or []:
            if "text" in part:
                texts.append(part["text"])
                last_text = part["text"]
                continue
            raw = _image(part)
            if raw is None:
                continue
            label = FRAME_TIME.search(last_text)
            if label is None:
                raise BadRequest("every frame must follow a text part with its time ('Frame at 12.0 s:')")
            call.image_bytes.append(raw)
            call.frame_times.append(float(label["t"]))
            last_text = ""
    call.images = len(call.image_bytes)
    call.prompt = "\n".join(texts)
    if not call.images:
        raise BadRequest("the request carries no inline JPEG frames")
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") != "application/json":
        raise BadRequest("generationConfig.responseMimeType must be application/json")
    schema = config.get("responseSchema") or config.get("responseJsonSchema") or {}
    if "segments" not in (schema.get("properties") or {}):
        raise BadRequest("generationConfig.responseSchema must describe a 'segments' list")


def _segments(times: list[float]) -> list[dict[str, Any]]:
    """Two frames per segment, from a second before the first to a second after the second."""
    segments = []
    for i in range(0, len(times), 2):
        group = times[i : i + 2]
        segments.append(
            {
                "start": round(max(group[0] - 1.0, 0.0), 2),
                "end": round(group[-1] + 1.0, 2),
                "score": 40 + int(group[0] * 7) % 55,
                "description": f"The product in use ({group[0]:.1f}-{group[-1]:.1f} s).",
                "tags": ["product", "motion"] if i % 4 == 0 else ["product", "closeup"],
            }
        )
    return segments


def _malformed(kind: str) -> str:
    if kind == "not_json":
        return "Sure! The best moments are from 1 to 5 seconds and from 9 to 12 seconds."
    if kind == "wrong_shape":
        return json.dumps({"clips": [{"from": 1, "to": 5, "rating": "great"}]})
    return json.dumps({"segments": [{"start": 5000, "end": 5010, "score": 90, "description": "x", "tags": []}]})


class GeminiHandler(JSONHandler):
    def send_error_json(
        self, call: GeminiCall | None, status: int, message: str, retry_delay: float | None = None
    ) -> None:
        if call is not None:
            call.status = status
        error: dict[str, Any] = {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}
        if "API key" in message:
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]
        if retry_delay is not None:
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_delay}s"}]
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_json(status, {"error": error})

    def do_POST(self) -> None:
        state: GeminiState = self.state
        raw = self.read_body()
        match = PATH.match(self.path)
        if match is None:
            self.send_error_json(None, 404, f"no such method: POST {self.path}")
            return
        call = GeminiCall(path=self.path, model=match["model"], key=self.headers.get("x-goog-api-key"))
        with state._lock:
            state.calls.append(call)
        delay = state.pop(state._delays)
        if delay:
            time.sleep(delay)
        if call.key != state.api_key:
            self.send_error_json(call, 400, "API key not valid. Please pass a valid API key.")
            return
        failure = state.pop(state._failures)
        if failure:
            status, retry_delay = failure
            self.send_error_json(call, status, f"fake failure {status}", retry_delay)
            return
        try:
            call.body = json.loads(raw or b"{}")
            _read_request(call.body, call)
            if state.expected_context and state.expected_context not in call.prompt:
                raise BadRequest("the prompt lacks the product context")
        except (BadRequest, json.JSONDecodeError, AttributeError, TypeError) as exc:
            self.send_error_json(call, 400, f"bad request: {exc}")
            return
        kind = state.pop(state._malformed)
        call.answer = _malformed(kind) if kind else json.dumps({"segments": _segments(call.frame_times)})
        call.usage = {
            "promptTokenCount": TOKENS_PER_IMAGE * call.images + math.ceil(len(call.prompt) / 4),
            "candidatesTokenCount": math.ceil(len(call.answer) / 4),
            "thoughtsTokenCount": state.thinking_tokens,
        }
        call.usage["totalTokenCount"] = sum(call.usage.values())
        call.status = 200
        payload = {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": call.answer}]}, "finishReason": "STOP", "index": 0}
            ],
            "usageMetadata": call.usage,
            "modelVersion": call.model,
            "responseId": f"fake-{len(state.calls)}",
        }
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client may have timed out
            self.send_json(200, payload)
