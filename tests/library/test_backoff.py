"""library.providers.backoff: the one retry policy of the provider adapters, and the job runner
catching the ProviderError base by type."""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from library.jobs import registry
from library.jobs.context import JobContext
from library.media import ffmpeg as ff
from library.models import JobStatus
from library.providers.analysis.base import AnalysisError
from library.providers.backoff import backoff_delay, call_with_backoff, parse_retry_after
from library.providers.errors import ProviderError
from library.providers.tts.base import TTSError
from publishing.postiz import PostizError
from tests.jobs import make_job, reload, run

NOW = datetime(2031, 5, 1, 10, 0, tzinfo=UTC)


class Flaky:
    """Raises the given errors in turn, then answers "done"; counts its calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def busy(retry_after: float | None = None, status: int = 503) -> ProviderError:
    return ProviderError("busy", retryable=True, status=status, retry_after=retry_after)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def test_adapter_errors_share_the_base() -> None:
    for error in (TTSError("x", retryable=True), AnalysisError("x"), PostizError("x", code="c", retryable=False)):
        assert isinstance(error, ProviderError)
    assert PostizError("x", code="c", retryable=True, retry_after=3.0).retry_after == 3.0


def test_a_retryable_error_is_retried_with_doubling_waits(sleeps: list[float]) -> None:
    fn = Flaky(busy(), busy(), busy())
    assert call_with_backoff(fn, attempts=4, base_delay=1.0, sleep=sleeps.append) == "done"
    assert fn.calls == 4 and sleeps == [1.0, 2.0, 4.0]


def test_a_non_retryable_error_is_raised_at_once(sleeps: list[float]) -> None:
    refused = ProviderError("bad key", retryable=False, status=401)
    fn = Flaky(refused)
    with pytest.raises(ProviderError) as caught:
        call_with_backoff(fn, sleep=sleeps.append)
    assert caught.value is refused and fn.calls == 1 and sleeps == []


def test_other_exceptions_pass_through_untouched(sleeps: list[float]) -> None:
    fn = Flaky(ValueError("a bug"))
    with pytest.raises(ValueError, match="a bug"):
        call_with_backoff(fn, sleep=sleeps.append)
    assert fn.calls == 1 and sleeps == []


def test_retry_if_can_refuse_a_retryable_error(sleeps: list[float]) -> None:
    fn = Flaky(busy(status=429))
    with pytest.raises(ProviderError) as caught:
        call_with_backoff(fn, retry_if=lambda e: e.status != 429, sleep=sleeps.append)
    assert caught.value.status == 429 and fn.calls == 1 and sleeps == []


def test_the_last_error_is_raised_unchanged_when_attempts_run_out(sleeps: list[float]) -> None:
    last = busy()
    fn = Flaky(busy(), busy(), last)
    with pytest.raises(ProviderError) as caught:
        call_with_backoff(fn, attempts=3, sleep=sleeps.append)
    assert caught.value is last and fn.calls == 3 and sleeps == [1.0, 2.0]
    with pytest.raises(ValueError, match="at least 1"):
        call_with_backoff(fn, attempts=0)


def test_retry_after_is_honoured_and_never_undercut(sleeps: list[float]) -> None:
    assert call_with_backoff(Flaky(busy(retry_after=7.0)), sleep=sleeps.append) == "done"
    # a hint shorter than our own backoff does not make us hurry
    assert call_with_backoff(Flaky(busy(), busy(retry_after=0.5)), sleep=sleeps.append) == "done"
    assert sleeps == [7.0, 1.0, 2.0]


def test_the_cap_bounds_backoff_and_a_longer_hint_raises_by_default(sleeps: list[float]) -> None:
    fn = Flaky(*(busy() for _ in range(5)))
    assert call_with_backoff(fn, attempts=6, base_delay=1.0, max_delay=3.0, sleep=sleeps.append) == "done"
    assert sleeps == [1.0, 2.0, 3.0, 3.0, 3.0]
    sleeps.clear()
    too_long = busy(retry_after=3600.0)
    fn = Flaky(too_long)
    with pytest.raises(ProviderError) as caught:  # the caller reschedules instead of sleeping
        call_with_backoff(fn, max_delay=60.0, sleep=sleeps.append)
    assert caught.value is too_long and fn.calls == 1 and sleeps == []


def test_a_longer_hint_can_be_capped_instead(sleeps: list[float]) -> None:
    fn = Flaky(busy(retry_after=3600.0))
    assert call_with_backoff(fn, max_delay=30.0, longer_wait="cap", sleep=sleeps.append) == "done"
    assert sleeps == [30.0]


def test_jitter_stays_between_half_and_all_of_the_wait() -> None:
    waits = [backoff_delay(3, base_delay=1.0, max_delay=60.0, jitter=True) for _ in range(50)]
    assert all(2.0 <= w <= 4.0 for w in waits)
    assert backoff_delay(10, base_delay=1.0, max_delay=60.0) == 60.0


def test_cancel_is_checked_between_attempts(sleeps: list[float]) -> None:
    checks: list[int] = []

    def check() -> None:
        checks.append(len(sleeps))
        if len(sleeps) == 1:
            raise ff.Cancelled("cancelled while waiting")

    fn = Flaky(busy(), busy())
    with pytest.raises(ff.Cancelled):
        call_with_backoff(fn, check_cancelled=check, sleep=sleeps.append)
    assert checks == [0, 1]  # before the first wait, then right after it: no second call
    assert fn.calls == 1 and sleeps == [1.0]


def test_on_retry_sees_each_error_attempt_and_wait(sleeps: list[float]) -> None:
    seen: list[tuple[str, int, float]] = []
    first, second = ProviderError("one", retryable=True), ProviderError("two", retryable=True, retry_after=5)
    call_with_backoff(
        Flaky(first, second), on_retry=lambda e, n, d: seen.append((e.message, n, d)), sleep=sleeps.append
    )
    assert seen == [("one", 1, 1.0), ("two", 2, 5.0)] and sleeps == [1.0, 5.0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
        (email.utils.format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (email.utils.format_datetime(NOW - timedelta(seconds=30), usegmt=True), 0.0),
        ("Thu, 01 May 2031 10:01:00", 60.0),  # no zone: GMT by definition
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


# -- the runner catches the base by type --------------------------------------------------------


class NotAProviderError(Exception):
    retryable = True  # duck-typing alike is not enough to be shown as a provider's message


@pytest.fixture
def failing_preview(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Exception], None]]:
    def use(error: Exception) -> None:
        def handler(ctx: JobContext) -> dict[str, Any]:
            raise error

        monkeypatch.setitem(registry._HANDLERS, "preview", handler)

    yield use


@pytest.mark.django_db(transaction=True)
def test_the_runner_shows_a_provider_errors_message(cast: Any, failing_preview: Callable[[Exception], None]) -> None:
    failing_preview(TTSError("ElevenLabs is rate limiting us; try again later.", retryable=True, status=429))
    job = make_job(cast.store_a, "preview")
    assert run(job) == "failed"
    job = reload(job)
    assert (job.status, job.error) == (JobStatus.FAILED, "ElevenLabs is rate limiting us; try again later.")


@pytest.mark.django_db(transaction=True)
def test_the_runner_treats_other_errors_as_crashes(cast: Any, failing_preview: Callable[[Exception], None]) -> None:
    failing_preview(NotAProviderError("looks like one"))
    job = make_job(cast.store_a, "preview")
    run(job)
    assert reload(job).error == "Internal error: NotAProviderError: looks like one"
