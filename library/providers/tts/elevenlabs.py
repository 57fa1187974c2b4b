"""ElevenLabs through its official SDK: speech with character timestamps, voices, instant voice
cloning (and deleting a clone), and the subscription's character usage.

Every call has a timeout and goes through `_call`, which turns the SDK's and httpx's exceptions
into TTSError and retries what may work later (429, 5xx, timeouts, network) through
library.providers.backoff.call_with_backoff. The SDK's own retries are switched off so that
there is exactly one retry policy.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import logging
import mimetypes
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
from django.conf import settings
from elevenlabs import VoiceSettings
from elevenlabs.client import ElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.core.request_options import RequestOptions
from elevenlabs.types import AudioWithTimestampsResponse
from elevenlabs.types import Voice as AccountVoice

from costs import pricing
from costs.services import cost_entry_record
from library.media import audio
from library.media import ffmpeg as ff
from library.media.probe import probe
from library.providers.backoff import call_with_backoff, parse_retry_after
from library.providers.errors import ProviderError
from library.providers.tts import timing
from library.providers.tts.base import Speech, TTSError, Voice, WordTiming, bad_input, require_scope

logger = logging.getLogger(__name__)
T = TypeVar("T")

OUTPUT_FORMAT = "mp3_44100_128"
KEY_REJECTED = "ElevenLabs key rejected"
NO_RETRIES: RequestOptions = {"max_retries": 0}
# voice_settings the API takes, with the ranges it accepts (speed: 0.7-1.2).
SETTINGS_RANGES: dict[str, tuple[float, float] | None] = {
    "stability": (0.0, 1.0),
    "similarity_boost": (0.0, 1.0),
    "style": (0.0, 1.0),
    "speed": (0.7, 1.2),
    "use_speaker_boost": None,  # a boolean
}
# Instant voice cloning: ElevenLabs' own limits, checked here so a bad upload costs no call.
CLONE_MAX_FILES = 25
CLONE_MAX_BYTES = 10 * 1024 * 1024
CLONE_MIN_SPEECH_SECONDS = 6.0
VOICE_PAGES = 20  # 100 voices a page
# ElevenLabs voice ids are 20 letters and digits ("JBFqnCBsd6RMkjVDRZzb"); a little slack either
# way, never a character that could change the URL the SDK builds (it does not escape the id).
VOICE_ID = re.compile(r"[A-Za-z0-9]{16,40}")
# Voices every account has: ElevenLabs' defaults and its curated ones (VoiceCategory in the SDK).
# "cloned", "generated" and "professional" voices are the account's own, made by someone.
STOCK_CATEGORIES = frozenset({"premade", "famous", "high_quality"})
# A voice added from the public Voice Library is a copy ("copied"), whatever its category.
LIBRARY_COPY = frozenset({"copied", "copied_disabled"})


@dataclass(frozen=True)
class SubscriptionUsage:
    character_count: int
    character_limit: int
    next_reset: datetime | None
    tier: str


def _detail(body: object) -> str:
    """The human part of an ElevenLabs error body: {"detail": {"message": ...}} for its own
    errors, {"detail": [{"msg": ...}]} for request validation, or plain text."""
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        text = detail.get("message") or detail.get("msg") or detail.get("status") or ""
    elif isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                parts.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", "")))
        text = "; ".join(p for p in parts if p)
    else:
        text = str(detail or "")
    return text.strip()[:500]


def _status_of(body: object) -> str:
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail.get("status", "")) if isinstance(detail, dict) else ""


def api_failure(status: int | None, body: object, *, retry_after: float | None = None) -> TTSError:
    """An error answer of the API as a TTSError (`retry_after`: what a 429 asked us to wait)."""
    detail = _detail(body)
    if status == 401:
        if _status_of(body) == "quota_exceeded":
            return TTSError(f"ElevenLabs quota exceeded: {detail}", retryable=False, status=402)
        if _status_of(body) in ("", "invalid_api_key", "needs_authorization") or not detail:
            return TTSError(KEY_REJECTED, retryable=False, status=401)
        # e.g. missing_permissions: a restricted key that may not use this endpoint
        return TTSError(f"{KEY_REJECTED}: {detail}", retryable=False, status=401)
    if status is not None and (status == 429 or status >= 500 or status in (408, 409)):
        what = "is rate limiting us" if status == 429 else f"answered {status}"
        return TTSError(f"ElevenLabs {what}; try again later.", retryable=True, status=status, retry_after=retry_after)
    return TTSError(f"ElevenLabs refused the request: {detail or f'HTTP {status}'}", retryable=False, status=status)


def _retry_after(exc: ApiError) -> float | None:
    headers = exc.headers if isinstance(exc.headers, dict) else {}
    value = headers.get("retry-after", headers.get("Retry-After"))
    return parse_retry_after(value) if isinstance(value, str) else None


class ElevenLabsProvider:
    name = "elevenlabs"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        attempts: int = 3,
        backoff: float = 1.0,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        key = api_key if api_key is not None else settings.ELEVENLABS_API_KEY
        if not key:
            raise TTSError("ElevenLabs is not configured: set ELEVENLABS_API_KEY.", retryable=False, status=400)
        self.timeout = timeout if timeout is not None else settings.ELEVENLABS_TIMEOUT
        if not self.timeout or self.timeout <= 0:
            raise TTSError("ELEVENLABS_TIMEOUT must be a positive number of seconds.", retryable=False)
        self.client = ElevenLabs(
            api_key=key, base_url=(base_url or settings.ELEVENLABS_BASE_URL) or None, timeout=self.timeout
        )
        self.attempts, self.backoff, self.max_wait, self.sleep = max(attempts, 1), backoff, max_wait, sleep

    # -- one policy for errors and retries -------------------------------------------------

    def _call(
        self, what: str, fn: Callable[[], T], *, idempotent: bool = True, attempts: int | None = None,
        timeout: float | None = None,
    ) -> T:  # fmt: skip
        """Run one SDK call. A call that may have had an effect (a voice created) is repeated
        only when the server certainly did not act on it: 429, or no connection at all.
        `attempts`/`timeout` override the provider's (a call made inside an HTTP request)."""
        unsent: list[TTSError] = []  # errors of requests that certainly never reached the server

        def once() -> T:
            try:
                return fn()
            except ApiError as exc:
                wait = _retry_after(exc) if exc.status_code == 429 else None
                raise api_failure(exc.status_code, exc.body, retry_after=wait) from None
            except httpx.TimeoutException:
                raise TTSError(
                    f"ElevenLabs did not answer within {round(timeout or self.timeout, 2):g} s.", retryable=True
                ) from None
            except httpx.ConnectError:
                unsent.append(TTSError("ElevenLabs could not be reached.", retryable=True))
                raise unsent[-1] from None
            except httpx.TransportError as exc:
                raise TTSError(f"The connection to ElevenLabs failed ({type(exc).__name__}).", retryable=True) from None

        def repeatable(error: ProviderError) -> bool:
            return idempotent or error.status == 429 or any(error is u for u in unsent)

        # A Retry-After longer than max_wait is cut to it (this adapter's policy since it began).
        return call_with_backoff(
            once, attempts=attempts or self.attempts, base_delay=self.backoff, max_delay=self.max_wait,
            longer_wait="cap", retry_if=repeatable, sleep=self.sleep, what=f"ElevenLabs {what}",
        )  # fmt: skip

    # -- speech --------------------------------------------------------------------------------

    def _voice_settings(self, values: dict | None) -> VoiceSettings | None:
        if not values:
            return None
        unknown = sorted(set(values) - set(SETTINGS_RANGES))
        if unknown:
            raise bad_input(f"Unknown ElevenLabs voice settings {unknown}; allowed: {list(SETTINGS_RANGES)}.")
        for key, value in values.items():
            bounds = SETTINGS_RANGES[key]
            if bounds is None:
                if not isinstance(value, bool):
                    raise bad_input(f"ElevenLabs {key} must be true or false, got {value!r}.")
            elif isinstance(value, bool) or not isinstance(value, int | float) or not bounds[0] <= value <= bounds[1]:
                raise bad_input(f"ElevenLabs {key} must be a number from {bounds[0]} to {bounds[1]}, got {value!r}.")
        return VoiceSettings(**values)

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
        if not text.strip():
            raise bad_input("There is no text to speak.")
        model = model or settings.ELEVENLABS_MODEL
        voice = voice_id or settings.ELEVENLABS_VOICE_ID
        if not self.valid_voice_id(voice):  # it becomes part of the URL
            raise bad_input(f"{voice[:60]!r} is not an ElevenLabs voice id (20 letters and digits).")
        settings_model = self._voice_settings(voice_settings)
        try:  # a call we could not price must not be made: the ledger would miss it
            pricing.model_prices(provider="elevenlabs", model=model)
        except pricing.UnknownPrice as exc:
            raise bad_input(str(exc)) from None

        result = self._call(
            "speech",
            lambda: self.client.text_to_speech.convert_with_timestamps(
                voice, text=text, model_id=model, voice_settings=settings_model, output_format=OUTPUT_FORMAT,
                request_options=NO_RETRIES,
            ),
        )  # fmt: skip
        # Billed from here on, whatever happens to the answer.
        cost_entry_record(
            provider="elevenlabs", model=model, operation="tts", units={"characters": len(text)}, job_id=job_id
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        dest = out_dir / f"tts-{uuid.uuid4().hex[:12]}.mp3"
        try:
            duration, words = _save(result, dest)
        except TTSError:
            dest.unlink(missing_ok=True)
            raise
        return Speech(
            audio_path=dest, duration=duration, words=words, provider=self.name, model=model, voice_id=voice,
            characters=len(text),
        )  # fmt: skip

    # -- voices, cloning, subscription ---------------------------------------------------------

    @staticmethod
    def valid_voice_id(voice_id: str) -> bool:
        return bool(VOICE_ID.fullmatch(voice_id or ""))

    def voices(self, *, deadline: float | None = None) -> list[Voice]:
        """Every voice of the account, stock and the account's own (see `_voice`). `deadline`:
        seconds for the whole listing, one attempt per page (a call made inside a request)."""
        voices: list[Voice] = []
        token: str | None = None
        started = time.monotonic()
        for _ in range(VOICE_PAGES):
            options: dict[str, Any] = dict(NO_RETRIES)
            if deadline is not None:
                left = deadline - (time.monotonic() - started)
                if left <= 0:
                    raise TTSError(f"ElevenLabs did not list its voices within {deadline:g} s.", retryable=True)
                options["timeout_in_seconds"] = min(self.timeout, left)
            search = functools.partial(
                self.client.voices.search,
                page_size=100,
                next_page_token=token,
                request_options=cast("RequestOptions", options),  # a float timeout is fine: httpx takes it
            )
            page = self._call(
                "voices",
                search,
                attempts=1 if deadline is not None else None,
                timeout=options.get("timeout_in_seconds"),
            )
            voices.extend(_voice(v) for v in page.voices)
            token = page.next_page_token
            if not page.has_more or not token:
                break
        return voices

    def clone_voice(self, *, name: str, samples: list[Path], description: str = "") -> Voice:
        """Instant voice cloning from recordings of one speaker. The samples are checked here
        first (ElevenLabs' own limits) so a bad upload is a clear 400 and costs no call."""
        name = name.strip()
        if not name or len(name) > 100:
            raise bad_input("A cloned voice needs a name of 1 to 100 characters.")
        _check_samples(samples)
        with contextlib.ExitStack() as stack:
            files = [
                (path.name, stack.enter_context(path.open("rb")), mimetypes.guess_type(path.name)[0] or "audio/mpeg")
                for path in samples
            ]

            def create() -> Any:
                for _, handle, _ in files:
                    handle.seek(0)
                return self.client.voices.ivc.create(
                    name=name, files=files, description=description or None, request_options=NO_RETRIES
                )

            created = self._call("voice cloning", create, idempotent=False)
        labels = {"category": "cloned"}
        if created.requires_verification:
            labels["requires_verification"] = "true"
        return Voice(id=created.voice_id, name=name, provider=self.name, labels=labels, stock=False)

    def delete_voice(self, voice_id: str) -> bool:
        """Delete one of the account's voices (a deleted profile's clone). False when ElevenLabs
        no longer has it: the outcome wanted, reached earlier."""
        if not self.valid_voice_id(voice_id):
            raise bad_input(f"{voice_id[:60]!r} is not an ElevenLabs voice id.")
        try:
            self._call("voice deletion", lambda: self.client.voices.delete(voice_id, request_options=NO_RETRIES))
        except TTSError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def subscription(self) -> SubscriptionUsage:
        sub = self._call("subscription", lambda: self.client.user.subscription.get(request_options=NO_RETRIES))
        reset = sub.next_character_count_reset_unix
        return SubscriptionUsage(
            character_count=int(sub.character_count),
            character_limit=int(sub.character_limit),
            next_reset=datetime.fromtimestamp(reset, tz=UTC) if reset else None,
            tier=str(sub.tier),
        )


def _save(result: AudioWithTimestampsResponse, dest: Path) -> tuple[float, list[WordTiming]]:
    """Write the audio of a with-timestamps answer to `dest`; its measured duration and words."""
    try:
        data = base64.b64decode(result.audio_base_64 or "", validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        raise TTSError("ElevenLabs returned no audio.", retryable=True)
    dest.write_bytes(data)
    try:
        duration = probe(dest).duration
    except ff.MediaError:
        raise TTSError("ElevenLabs returned audio that cannot be read.", retryable=True) from None
    alignment = result.alignment or result.normalized_alignment
    if alignment is None:
        raise TTSError("ElevenLabs returned no timestamps.", retryable=True)
    words = timing.alignment_words(
        alignment.characters, alignment.character_start_times_seconds, alignment.character_end_times_seconds
    )
    return duration, words


def _voice(raw: AccountVoice) -> Voice:
    labels = {str(k): str(v) for k, v in (raw.labels or {}).items()}
    if raw.category:
        labels.setdefault("category", str(raw.category))
    language = labels.get("language") or next((v.language for v in raw.verified_languages or []), None)
    sharing = getattr(raw.sharing, "status", None) if raw.sharing is not None else None
    stock = str(raw.category or "") in STOCK_CATEGORIES or str(sharing or "") in LIBRARY_COPY
    return Voice(
        id=raw.voice_id, name=raw.name or raw.voice_id, provider="elevenlabs", language=language, labels=labels,
        stock=stock,
    )  # fmt: skip


def _check_samples(samples: list[Path]) -> None:
    if not samples:
        raise bad_input("Voice cloning needs at least one audio sample.")
    if len(samples) > CLONE_MAX_FILES:
        raise bad_input(f"Voice cloning takes at most {CLONE_MAX_FILES} samples, got {len(samples)}.")
    speech = 0.0
    for path in samples:
        size = path.stat().st_size if path.is_file() else 0
        if size == 0:
            raise bad_input(f"Sample {path.name!r} is empty or missing.")
        if size > CLONE_MAX_BYTES:
            raise bad_input(f"Sample {path.name!r} is {size / 1048576:.1f} MB; each sample may be at most 10 MB.")
        try:
            info = probe(path)
        except ff.MediaError:
            raise bad_input(f"Sample {path.name!r} is not an audio file.") from None
        if not info.has_audio or info.duration <= 0:
            raise bad_input(f"Sample {path.name!r} has no audio.")
        try:
            speech += audio.speech_seconds(path, duration=info.duration)
        except ff.MediaError:
            raise bad_input(f"Sample {path.name!r} could not be decoded.") from None
    if speech < CLONE_MIN_SPEECH_SECONDS:
        raise bad_input(
            f"The samples hold {speech:.1f} s of speech; voice cloning needs at least "
            f"{CLONE_MIN_SPEECH_SECONDS:g} s (a minute or more sounds best)."
        )
