from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from library.jobs.runner import JobContext

Handler = Callable[["JobContext"], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


class JobError(Exception):
    """A job failed for a reason the user should read (shown as the job's error)."""


def job_kind(name: str) -> Callable[[Handler], Handler]:
    """Register the function that carries out jobs of this kind. It gets a JobContext and
    returns the job's result (JSON)."""

    def register(handler: Handler) -> Handler:
        if name in _HANDLERS and _HANDLERS[name] is not handler:
            raise RuntimeError(f"job kind {name!r} registered twice")
        _HANDLERS[name] = handler
        return handler

    return register


def get_handler(name: str) -> Handler:
    try:
        return _HANDLERS[name]
    except KeyError:
        raise JobError(f"unknown job kind {name!r}") from None


def kinds() -> list[str]:
    return sorted(_HANDLERS)
