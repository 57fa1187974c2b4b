"""ElevenLabs speech to text (Scribe) through the official SDK, with word timestamps.

One request per transcription (the audio as a multipart file), retried through
call_with_backoff on what may work later (429, 5xx, timeouts, no connection), the SDK's own
retries switched off. The audio's seconds are recorded in the cost ledger once the answer is in
(billed from then on), at the price table's per_audio_hour for the model.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from elevenlabs.client import ElevenLabs
from elevenlabs.core.api_error import ApiError

from costs import pricing
from costs.services import cost_entry_record
from library.providers.backoff import call_with_backoff, parse_retry_after
from library.providers.stt.base import HeardWord, STTError, Transcription, bad_input, checked_language
from library.providers.tts.elevenlabs import NO_RETRIES, api_failure


class ElevenLabsSTTProvider:
    name = "elevenlabs"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        key = api_key if api_key is not None else settings.ELEVENLABS_API_KEY
        if not key:
            raise bad_input("ElevenLabs is not configured: set ELEVENLABS_API_KEY.")
        self.timeout = timeout if timeout is not None else settings.ELEVENLABS_TIMEOUT
        self.client = ElevenLabs(
            api_key=key, base_url=(base_url or settings.ELEVENLABS_BASE_URL) or None, timeout=self.timeout
        )
        self.attempts, self.sleep = max(attempts, 1), sleep

    @property
    def model(self) -> str:
        return settings.ELEVENLABS_STT_MODEL

    def check_request(self, *, language: str | None) -> None:
        checked_language(language)
        try:  # a call we could not price must not be made: the ledger would miss it
            pricing.estimate_transcription(provider=self.name, model=self.model, seconds=1.0)
        except pricing.UnknownPrice as exc:
            raise bad_input(str(exc)) from None

    def _once(self, audio: Path, language: str | None) -> Any:
        try:
            with audio.open("rb") as handle:
                return self.client.speech_to_text.convert(
                    model_id=self.model, file=(audio.name, handle, "audio/wav"), language_code=language,
                    timestamps_granularity="word", tag_audio_events=False, diarize=False,
                    request_options=NO_RETRIES,
                )  # fmt: skip
        except ApiError as exc:
            headers = exc.headers if isinstance(exc.headers, dict) else {}
            wait = parse_retry_after(headers.get("retry-after")) if exc.status_code == 429 else None
            error = api_failure(exc.status_code, exc.body, retry_after=wait)
            raise STTError(error.message, retryable=error.retryable, status=error.status, retry_after=wait) from None
        except httpx.TimeoutException:
            raise STTError(f"ElevenLabs did not answer within {self.timeout:g} s.", retryable=True) from None
        except httpx.TransportError as exc:
            raise STTError(f"The connection to ElevenLabs failed ({type(exc).__name__}).", retryable=True) from None

    def transcribe(
        self,
        *,
        audio: Path,
        duration: float,
        language: str | None = None,
        prompt_words: list[str] | None = None,
        job_id: uuid.UUID | str | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> Transcription:
        self.check_request(language=language)
        code = checked_language(language)
        # prompt_words are not sent: ElevenLabs bills keyterms 20 % extra, which the estimate
        # reserved before the job would not cover.
        answer = call_with_backoff(
            lambda: self._once(audio, code), attempts=self.attempts, max_delay=30.0, longer_wait="cap",
            sleep=self.sleep, what="ElevenLabs speech to text",
        )  # fmt: skip
        seconds = float(getattr(answer, "audio_duration_secs", None) or duration)
        cost_entry_record(
            provider=self.name, model=self.model, operation="transcription", units={"seconds": seconds}, job_id=job_id
        )
        raw_words = getattr(answer, "words", None)
        if raw_words is None:
            raise STTError("ElevenLabs answered without words (a multichannel or webhook answer).", retryable=False)
        words = [
            HeardWord(
                text=w.text.strip(),
                start=w.start,
                end=w.end,
                probability=round(math.exp(w.logprob), 4) if w.logprob is not None else None,
            )  # fmt: skip
            for w in raw_words
            if w.type == "word" and w.text.strip()
        ]
        if progress is not None:
            progress(1.0)
        return Transcription(
            words=words, language=str(answer.language_code or code or ""), provider=self.name, model=self.model,
            duration=seconds,
        )  # fmt: skip
