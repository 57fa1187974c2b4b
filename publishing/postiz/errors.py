"""The one error type of the Postiz adapter, how HTTP answers map onto it, and the retry helper.

`retryable` is the only thing a caller has to look at: True means "the same request may work
later" (429, 5xx, 408, timeouts, connection errors), False means "fix something first" (bad
key, validation, unsupported media). `code` is stable and machine-readable; `str(error)` is a
sentence fit to show the store operator.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections.abc import Callable
from datetime import UTC
from typing import Any, TypeVar

import httpx
from django.utils import timezone

from profiles.outbound import OutboundAddressRefused

logger = logging.getLogger(__name__)

T = TypeVar("T")

KEY_REJECTED = "Postiz key rejected"
# What of an answer's body reaches an error text: Postiz's own reason, short and on one line.
# The URL is a tenant's, so whatever answers there must not be readable through our errors.
_MAX_DETAIL = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class PostizError(Exception):
    """Anything that went wrong talking to Postiz. Never carries the API key."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"PostizError({self.message!r}, code={self.code!r}, status={self.status}, "
            f"retryable={self.retryable}, retry_after={self.retry_after})"
        )


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` is either delta-seconds or an HTTP date; anything unreadable is ignored."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP date is GMT by definition
            when = when.replace(tzinfo=UTC)
        seconds = (when - timezone.now()).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _plain(text: str, limit: int = _MAX_DETAIL) -> str:
    """`text` on one line without control characters, cut to `limit` characters."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _server_detail(response: httpx.Response) -> str:
    """The reason in a Postiz error body (its `message`, `msg` or `error` field), sanitised.
    Any other body (an HTML page, a proxy's text) is not echoed at all."""
    try:
        body: Any = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    message = body.get("message", body.get("msg", body.get("error", "")))
    if isinstance(message, list):
        # class-validator answers a list of sentences, one per broken field.
        message = "; ".join(str(item) for item in message)
    detail = str(message)
    if body.get("provider"):
        channel = f" ({body['name']})" if body.get("name") else ""
        detail = f"{body['provider']}{channel}: {detail}"
    return _plain(detail)


def error_from_response(response: httpx.Response) -> PostizError:
    status = response.status_code
    if status == 401:
        return PostizError(KEY_REJECTED, code="auth", retryable=False, status=status)
    if status == 429:
        return PostizError(
            "Postiz rate limit reached; try again later",
            code="rate_limited",
            retryable=True,
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    detail = _server_detail(response)
    suffix = f": {detail}" if detail else ""
    if status >= 500 or status == 408:
        return PostizError(
            f"Postiz is unavailable (HTTP {status}){suffix}",
            code="server_error",
            retryable=True,
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if 300 <= status < 400:
        # Not followed on purpose: a redirect to another host would drop (or leak) the key.
        location = _plain(response.headers.get("Location", ""), 150)
        return PostizError(
            f"Postiz answered with a redirect to {location!r}; use that address as the API URL",
            code="redirect",
            retryable=False,
            status=status,
        )
    if status == 404 and detail.startswith("Cannot "):
        # NestJS's answer for a route it does not have: the URL points at something else.
        return PostizError(
            f"No Postiz API answers at this URL (HTTP 404: {detail}); check the API URL",
            code="not_found",
            retryable=False,
            status=status,
        )
    code = {400: "invalid", 403: "forbidden", 404: "not_found", 413: "too_large"}.get(status, "rejected")
    return PostizError(
        f"Postiz rejected the request (HTTP {status}){suffix}", code=code, retryable=False, status=status
    )


def error_from_transport(exc: httpx.RequestError, *, timeout: float) -> PostizError:
    if isinstance(exc, OutboundAddressRefused):
        return PostizError(f"Postiz was not called: {exc}", code="address_refused", retryable=False)
    if isinstance(exc, httpx.TimeoutException):
        return PostizError(f"Postiz did not answer within {timeout:g} s", code="timeout", retryable=True)
    # The exception text names host and port only (never headers), so it is safe to show.
    return PostizError(f"Postiz could not be reached: {exc}", code="unreachable", retryable=True)


def call_with_backoff(
    fn: Callable[[], T],
    *,
    attempts: int = 4,
    base_delay: float = 1.0,
    max_delay: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `fn` until it succeeds, retrying only retryable PostizErrors.

    The server's `Retry-After` is honoured exactly (never retry sooner than told); when it asks
    for longer than `max_delay` the error is raised at once, so a worker is not held for up to
    an hour by Postiz's hourly window — the caller should reschedule instead. Without a hint the
    delay doubles from `base_delay` with jitter (between half and all of it), capped at
    `max_delay`. The last error is raised unchanged.

    Note for POST /posts: a timeout or 5xx may hide a post that was created; look it up by its
    group before retrying a create (429 is always safe to retry: the throttler refused it).
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except PostizError as exc:
            if not exc.retryable or attempt == attempts:
                raise
            if exc.retry_after is not None:
                if exc.retry_after > max_delay:
                    raise
                delay = exc.retry_after
            else:
                ceiling = min(max_delay, base_delay * 2 ** (attempt - 1))
                delay = ceiling * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret
            logger.warning(
                "postiz call failed (%s, HTTP %s); retry %d/%d in %.2f s",
                exc.code,
                exc.status,
                attempt,
                attempts - 1,
                delay,
            )
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
