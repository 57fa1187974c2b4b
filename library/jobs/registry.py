from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from library.jobs.context import JobContext
    from library.models import Job

Handler = Callable[["JobContext"], dict[str, Any]]
FailureHook = Callable[["Job", str], None]  # (job, error) -> None
# (parent's context, what its handler kept, its children in order) -> the parent's result
JoinHook = Callable[["JobContext", dict[str, Any], list["Job"]], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}
_ON_FAILURE: dict[str, FailureHook] = {}
_ON_JOIN: dict[str, JoinHook] = {}


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


@dataclass(frozen=True)
class Part:
    """One child job of a fan-out: its kind, params and links (`clip_id`, `project_id`...)."""

    kind: str
    params: dict[str, Any]
    links: dict[str, Any] = field(default_factory=dict)


class FanOut(Exception):
    """Raised (through `job_fan_out`) by a handler whose remaining work is independent parts."""

    def __init__(self, parts: list[Part], state: dict[str, Any], progress_to: float) -> None:
        super().__init__(f"{len(parts)} part(s)")
        self.parts, self.state, self.progress_to = parts, state, progress_to


def job_fan_out(parts: list[Part], *, state: dict[str, Any], progress_to: float = 1.0) -> NoReturn:
    """End the handler here: the runner makes one child job per part (same profile, in this
    order) and frees the worker; the job stays running, without a worker, until its last child
    ends. Then its kind's `join(ctx, state, children)` makes the job's result, in the worker of
    that last child. `state`: JSON the join needs; the children's progress fills the job's up to
    `progress_to`. A child that fails does not fail the job: the join gets every child and says
    what failed; only when none succeeded does the job fail (or is cancelled, when it was)."""
    if not parts:
        raise JobError("Nothing to render.")
    raise FanOut(parts, state, progress_to)


def job_kind(
    name: str, *, on_failure: FailureHook | None = None, join: JoinHook | None = None
) -> Callable[[Handler], Handler]:
    """Register the function that carries out jobs of this kind. It gets a JobContext and
    returns the job's result (JSON). `on_failure(job, error)` runs, in the job's scope, when a
    job of this kind fails, is cancelled, or is given up after its worker died. `join`: the
    kind fans out (job_fan_out), and this completes it."""

    def register(handler: Handler) -> Handler:
        if name in _HANDLERS and _HANDLERS[name] is not handler:
            raise RuntimeError(f"job kind {name!r} registered twice")
        _HANDLERS[name] = handler
        if on_failure is not None:
            _ON_FAILURE[name] = on_failure
        if join is not None:
            _ON_JOIN[name] = join
        return handler

    return register


def run_failure_hook(job: Job, error: str) -> None:
    hook = _ON_FAILURE.get(job.kind)
    if hook is not None:
        hook(job, error)


def get_join(name: str) -> JoinHook:
    try:
        return _ON_JOIN[name]
    except KeyError:
        raise JobError(f"job kind {name!r} cannot wait for parts") from None


def get_handler(name: str) -> Handler:
    try:
        return _HANDLERS[name]
    except KeyError:
        raise JobError(f"unknown job kind {name!r}") from None


def kinds() -> list[str]:
    return sorted(_HANDLERS)
