"""Analysis with Gemini through google-genai (Google's supported SDK).

Frames are sampled about one per 2 s (library.media.analysis.sample_frames, one ffmpeg pass),
sent in batches with their times and the product context, and answered as JSON following a
response schema. Every successful call is recorded in the cost ledger at once (tokens from
`usage_metadata`; thinking tokens are billed at the output rate), so money spent before a
later failure is still accounted for. Rate limits, server errors and timeouts are retried
(library.providers.backoff.call_with_backoff); what still fails becomes AnalysisError(retryable=True).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from google import genai
from google.genai import errors, types

from costs import pricing
from costs.services import cost_entry_record
from library.media import analysis as media
from library.media import ffmpeg as ff
from library.providers.analysis import gemini_prompt as prompt
from library.providers.analysis.base import Analysis, AnalysisError, MalformedAnswer, Spoken, normalize_segments
from library.providers.backoff import call_with_backoff, parse_retry_after
from profiles.tenancy import ScopeError, current_profile

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})
BACKOFF_BASE = 1.0  # seconds before the first retry; doubles each time
RETRY_AFTER_MAX = 60.0  # the longest wait, asked for or not
SAMPLING_SHARE = 0.15  # of the progress bar: the ffmpeg pass; the rest goes to the requests

_TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx.TransportError,)
try:  # the SDK may run on its httpx2 backend
    import httpx2

    _TRANSPORT_ERRORS += (httpx2.TransportError,)
except ImportError:  # pragma: no cover - depends on the install
    pass
# What a call to the API may raise that _failure turns into an AnalysisError.
_CALL_ERRORS: tuple[type[Exception], ...] = (errors.APIError, errors.UnknownApiResponseError, *_TRANSPORT_ERRORS)


def frames_for(duration: float) -> int:
    """How many frames an analysis of `duration` seconds sends (for the cost estimate)."""
    return len(media.sample_times(duration))


def batches_for(duration: float, batch_frames: int | None = None) -> int:
    """How many requests an analysis of `duration` seconds makes."""
    size = batch_frames or settings.GEMINI_BATCH_FRAMES
    return -(-frames_for(duration) // size)


def _retry_after(exc: errors.APIError) -> float | None:
    """How long the API asked us to wait: google.rpc.RetryInfo in the error body ("12s"), or a
    Retry-After header."""
    body = exc.details if isinstance(exc.details, dict) else {}
    error = body.get("error", body)
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else []:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            with contextlib.suppress(ValueError):
                return max(float(delay[:-1]), 0.0)
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    value = headers.get("retry-after")
    return parse_retry_after(value) if isinstance(value, str) else None


def _api_failure(exc: errors.APIError, model: str) -> AnalysisError:
    code = exc.code or 0
    wait = _retry_after(exc)
    message = (exc.message or str(exc))[:300]
    if code in AUTH_STATUSES or (code == 400 and ("API key" in message or "API_KEY_INVALID" in str(exc.details))):
        return AnalysisError(f"Gemini key rejected ({code}): {message}. Check GEMINI_API_KEY.", retryable=False)
    if code == 404:
        return AnalysisError(f"Gemini model {model!r} not found ({message}). Check GEMINI_MODEL.", retryable=False)
    if code in RETRY_STATUSES or code >= 500:
        return AnalysisError(
            f"Gemini is unavailable ({code} {exc.status or ''}): {message}", retryable=True, retry_after=wait
        )
    return AnalysisError(f"Gemini refused the request ({code} {exc.status or ''}): {message}", retryable=False)


def _failure(exc: Exception, *, model: str, timeout: float) -> tuple[AnalysisError, str]:
    """What a failed call means: the error to raise (with how long the API asked us to wait),
    and a short reason for the notes and logs."""
    if isinstance(exc, errors.APIError):
        return _api_failure(exc, model), f"{exc.code} {exc.status or ''}".strip()
    if isinstance(exc, errors.UnknownApiResponseError):  # a proxy's error page, not the API
        return AnalysisError(f"Gemini answered something unreadable: {exc}"[:400], retryable=True), "garbage"
    if "Timeout" in type(exc).__name__:
        return AnalysisError(f"Gemini timed out after {timeout:g} s", retryable=True), type(exc).__name__
    return AnalysisError(f"Gemini could not be reached ({exc})", retryable=True), type(exc).__name__


class GeminiAnalysisProvider:
    name = "gemini"

    def __init__(
        self,
        *,
        api_key: str,
        model: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        batch_frames: int | None = None,
        thinking_budget: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise AnalysisError("Gemini is not configured: set GEMINI_API_KEY", retryable=False)
        self.api_key = api_key
        self.model = model or settings.GEMINI_MODEL
        self.base_url = base_url if base_url is not None else settings.GEMINI_BASE_URL
        self.timeout = timeout if timeout is not None else settings.GEMINI_TIMEOUT
        if not self.timeout or self.timeout <= 0:
            raise AnalysisError("GEMINI_TIMEOUT must be a positive number of seconds", retryable=False)
        self.max_retries = max_retries if max_retries is not None else settings.GEMINI_MAX_RETRIES
        self.batch_frames = max(1, batch_frames or settings.GEMINI_BATCH_FRAMES)
        self.thinking_budget = thinking_budget if thinking_budget is not None else settings.GEMINI_THINKING_BUDGET
        self.sleep = sleep

    @classmethod
    def from_settings(cls, **overrides: Any) -> GeminiAnalysisProvider:
        return cls(api_key=overrides.pop("api_key", settings.GEMINI_API_KEY), **overrides)

    # --- the work ----------------------------------------------------------------------------

    def analyze(
        self,
        *,
        video_path: Path,
        duration: float,
        workdir: Path,
        context_text: str = "",
        job_id: uuid.UUID | str | None = None,
        on_progress: Callable[[float], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
        spoken: Spoken | None = None,
    ) -> Analysis:
        if not duration or duration <= 0:
            raise AnalysisError("the video's duration is unknown; probe it before analysing")
        if current_profile() is None:
            raise ScopeError("Gemini analysis records its costs: run it inside a profile scope")
        try:  # refuse before spending money we could not put in the ledger
            pricing.model_prices(provider="gemini", model=self.model)
        except pricing.UnknownPrice as exc:
            raise AnalysisError(str(exc), retryable=False) from None
        workdir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="analysis-gemini-", dir=workdir))
        try:
            frames = self._sample(video_path, scratch, duration, on_progress, should_cancel)
            return self._ask(frames, duration, context_text, job_id, on_progress, should_cancel, spoken)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _sample(
        self,
        video_path: Path,
        scratch: Path,
        duration: float,
        on_progress: Callable[[float], None] | None,
        should_cancel: Callable[[], bool] | None,
    ) -> list[media.SampledFrame]:
        try:
            frames = media.sample_frames(
                video_path,
                scratch,
                duration=duration,
                on_progress=(lambda f: on_progress(SAMPLING_SHARE * f)) if on_progress else None,
                should_cancel=should_cancel,
            )
        except ff.Cancelled:
            raise
        except ff.MediaError as exc:
            raise AnalysisError(f"frames could not be taken from the video: {exc}") from exc
        if not frames:
            raise AnalysisError("no frames could be taken from the video")
        return frames

    def _ask(
        self,
        frames: list[media.SampledFrame],
        duration: float,
        context_text: str,
        job_id: uuid.UUID | str | None,
        on_progress: Callable[[float], None] | None,
        should_cancel: Callable[[], bool] | None,
        spoken: Spoken | None = None,
    ) -> Analysis:
        step = duration / len(frames)
        batches = [frames[i : i + self.batch_frames] for i in range(0, len(frames), self.batch_frames)]
        totals = {"input_tokens": 0, "output_tokens": 0, "thinking_tokens": 0}
        notes: list[str] = []
        found = []
        with self._client() as client:
            for number, batch in enumerate(batches, start=1):
                if should_cancel is not None and should_cancel():
                    raise ff.Cancelled("cancelled between Gemini requests")
                parts = prompt.request_parts(
                    batch, duration=duration, step=step, context_text=context_text, spoken=spoken
                )
                response = self._call(client, parts, notes, should_cancel)
                units = self._record(response, frames=len(batch), job_id=job_id)
                for key in totals:
                    totals[key] += units[key]
                found.extend(prompt.parse_answer(prompt.answer_text(response), duration=duration))
                if on_progress is not None:
                    on_progress(SAMPLING_SHARE + (1 - SAMPLING_SHARE) * number / len(batches))
        segments = normalize_segments(found, duration)
        if not segments:
            raise MalformedAnswer("the answer held no usable segments")
        usage = {**totals, "frames": len(frames), "requests": len(batches), "seconds": round(duration, 3)}
        notes.insert(0, f"{len(frames)} frames sent to {self.model} in {len(batches)} request(s)")
        return Analysis(provider=self.name, model=self.model, segments=segments, usage=usage, notes=notes)

    def _client(self) -> genai.Client:
        # The SDK's own retries stay off (its default): ours back off, honour cancel and say why.
        options = types.HttpOptions(timeout=int(self.timeout * 1000), base_url=self.base_url or None)
        return genai.Client(api_key=self.api_key, vertexai=False, http_options=options)

    def _config(self) -> types.GenerateContentConfig:
        thinking = types.ThinkingConfig(thinking_budget=self.thinking_budget) if self.thinking_budget >= 0 else None
        return types.GenerateContentConfig(
            response_mime_type="application/json",
            response_schema=prompt.RESPONSE_SCHEMA,
            temperature=0.2,
            thinking_config=thinking,
        )

    def _call(
        self,
        client: genai.Client,
        parts: Sequence[types.Part],
        notes: list[str],
        should_cancel: Callable[[], bool] | None,
    ) -> types.GenerateContentResponse:
        contents = [types.Content(role="user", parts=list(parts))]
        reasons: list[str] = []

        def once() -> types.GenerateContentResponse:
            try:
                return client.models.generate_content(model=self.model, contents=contents, config=self._config())
            except _CALL_ERRORS as exc:
                failure, reason = _failure(exc, model=self.model, timeout=self.timeout)
                reasons.append(reason)
                raise failure from None

        def cancel_check() -> None:
            if should_cancel is not None and should_cancel():
                raise ff.Cancelled("cancelled while waiting to retry Gemini")

        attempts = self.max_retries + 1
        try:
            return call_with_backoff(
                once, attempts=attempts, base_delay=BACKOFF_BASE, max_delay=RETRY_AFTER_MAX, longer_wait="cap",
                check_cancelled=cancel_check, sleep=self.sleep, what="Gemini call",
                on_retry=lambda error, attempt, delay: notes.append(f"retried a request after {reasons[-1]}"),
            )  # fmt: skip
        except AnalysisError as exc:
            if exc.retryable:  # only the last attempt's error gets out retryable
                raise AnalysisError(f"{exc.message} (after {attempts} attempts)", retryable=True) from None
            raise

    def _record(
        self, response: types.GenerateContentResponse, *, frames: int, job_id: uuid.UUID | str | None
    ) -> dict[str, int]:
        meta = response.usage_metadata
        units = {
            "input_tokens": (meta.prompt_token_count or 0) if meta else 0,
            "output_tokens": (meta.candidates_token_count or 0) if meta else 0,
            "thinking_tokens": (meta.thoughts_token_count or 0) if meta else 0,
            "frames": frames,
        }
        cost_entry_record(provider="gemini", model=self.model, operation="analysis", units=units, job_id=job_id)
        return units
