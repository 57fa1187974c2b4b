"""The one retry policy of the provider adapters: call_with_backoff, and the Retry-After parser.

A failed call is tried again only when it raised a ProviderError with `retryable` set (and the
caller's `retry_if` agrees, e.g. "not a create that may have gone through"). The wait before
the next attempt doubles from `base_delay` (optionally with jitter), is never shorter than the
provider asked (`retry_after`), and never longer than `max_delay`: when the provider asks for
more than that, the error is raised at once by default, so that a job can be rescheduled rather
than hold a worker; `longer_wait="cap"` waits `max_delay` and tries anyway. Between attempts
`check_cancelled` runs (it raises to stop), and `sleep` is injectable so tests record the waits.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, TypeVar

from library.providers.errors import ProviderError

logger = logging.getLogger(__name__)

T = TypeVar("T")

Sleep = Callable[[float], None]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now: it is either delta-seconds or an HTTP date (RFC 9110
    §10.2.3). Anything unreadable (or NaN) is ignored; a date in the past means "now" (0)."""
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
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def backoff_delay(attempt: int, *, base_delay: float, max_delay: float, jitter: bool = False) -> float:
    """The wait after failed attempt number `attempt` (1-based) when the provider gave no hint:
    `base_delay` doubled each time, capped at `max_delay`; with jitter, between half and all of it."""
    ceiling = min(max_delay, base_delay * 2.0 ** (attempt - 1))
    if jitter:
        return ceiling * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret
    return ceiling


def cancellable_sleep(check_cancelled: Callable[[], None], *, tick: float = 0.5) -> Sleep:
    """A sleep that wakes every `tick` seconds to run `check_cancelled` (which raises to stop)."""

    def nap(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            check_cancelled()
            time.sleep(min(tick, max(deadline - time.monotonic(), 0.0)))

    return nap


def call_with_backoff(
    fn: Callable[[], T],
    *,
    attempts: int = 4,
    base_delay: float = 1.0,
    max_delay: float = 60.0,
    longer_wait: Literal["raise", "cap"] = "raise",
    jitter: bool = False,
    retry_if: Callable[[ProviderError], bool] | None = None,
    check_cancelled: Callable[[], None] | None = None,
    on_retry: Callable[[ProviderError, int, float], None] | None = None,
    sleep: Sleep = time.sleep,
    what: str = "provider call",
) -> T:
    """Call `fn` until it returns, at most `attempts` times, retrying only retryable
    ProviderErrors (and only those `retry_if` accepts). The last error is raised unchanged;
    anything that is not a ProviderError passes through at once.

    `on_retry(error, attempt, delay)` runs before each wait (notes, metrics);
    `check_cancelled()` runs before and after each wait and raises to stop.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except ProviderError as exc:
            if not exc.retryable or attempt == attempts or (retry_if is not None and not retry_if(exc)):
                raise
            delay = backoff_delay(attempt, base_delay=base_delay, max_delay=max_delay, jitter=jitter)
            if exc.retry_after is not None:
                if exc.retry_after > max_delay and longer_wait == "raise":
                    raise  # the caller reschedules: no worker sleeps that long
                delay = min(max(delay, exc.retry_after), max_delay)  # never sooner than told
            logger.warning(
                "%s failed (%s, status %s); retry %d of %d in %.2f s",
                what,
                exc.message,
                exc.status,
                attempt,
                attempts - 1,
                delay,
            )
            if on_retry is not None:
                on_retry(exc, attempt, delay)
            if check_cancelled is not None:
                check_cancelled()
            sleep(delay)
            if check_cancelled is not None:
                check_cancelled()
    raise AssertionError("unreachable")  # pragma: no cover
