from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from library.jobs.context import JobContext
    from library.models import Job

Handler = Callable[["JobContext"], dict[str, Any]]
FailureHook = Callable[["Job", str], None]  # (job, error) -> None
_HANDLERS: dict[str, Handler] = {}
_ON_FAILURE: dict[str, FailureHook] = {}


class JobError(Exception):
    """A job failed for a reason the user should read (shown as the job's error)."""


class JobDeferred(Exception):
    """Raised by a handler that must wait for something outside it (a Postiz rate-limit slot):
    the job goes back to the queue until `until`, without holding a worker meanwhile. What it
    did so far must be saved where its next run finds it."""

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason


def job_kind(name: str, *, on_failure: FailureHook | None = None) -> Callable[[Handler], Handler]:
    """Register the function that carries out jobs of this kind. It gets a JobContext and
    returns the job's result (JSON). `on_failure(job, error)` runs, in the job's scope, when a
    job of this kind fails, is cancelled, or is given up after its worker died."""

    def register(handler: Handler) -> Handler:
        if name in _HANDLERS and _HANDLERS[name] is not handler:
            raise RuntimeError(f"job kind {name!r} registered twice")
        _HANDLERS[name] = handler
        if on_failure is not None:
            _ON_FAILURE[name] = on_failure
        return handler

    return register


def run_failure_hook(job: Job, error: str) -> None:
    hook = _ON_FAILURE.get(job.kind)
    if hook is not None:
        hook(job, error)


def get_handler(name: str) -> Handler:
    try:
        return _HANDLERS[name]
    except KeyError:
        raise JobError(f"unknown job kind {name!r}") from None


def kinds() -> list[str]:
    return sorted(_HANDLERS)
