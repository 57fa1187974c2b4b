"""Carries out one job: claim it, keep its heartbeat, run its kind's handler in a workspace,
record the outcome. Called by library.tasks.run_job inside the job's profile scope.

The claim is where the fair queue is enforced: a job over its profile's running limit, or one
whose profile should yield to a less busy one, is deferred (it stays queued, out of the broker)
and the worker is free at once; whoever frees a slot wakes the fairest deferred job.
"""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from costs.services import budget_commit, budget_release
from library import storage
from library.jobs import fanout
from library.jobs.errors import job_error_public
from library.jobs.events import job_finished_emit
from library.jobs.queue import job_send_at, jobs_wake_deferred
from library.jobs.registry import FanOut, JobDeferred, JobError, get_handler, get_join, run_failure_hook
from library.jobs.workspace import workspace
from library.media import ffmpeg as ff
from library.models import Job, JobStatus
from library.providers.errors import ProviderError
from profiles.errors import DomainError
from profiles.models import Profile
from profiles.tenancy import ScopeError, current_profile_id

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """Who runs a job (Job.worker): EDITAI_WORKER_NAME, else host:pid. Read per claim, not at
    import: q2 forks its worker processes after loading the code."""
    return (settings.WORKER_NAME or f"{socket.gethostname()}:{os.getpid()}")[:200]


@dataclass
class _Output:
    path: Path
    name: str


class _Monitor:
    """A thread that writes the heartbeat and watches for a cancel request while the job runs."""

    def __init__(self, job_id: UUID | str, attempt: int) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.cancelled = threading.Event()
        self._stop = threading.Event()
        context = contextvars.copy_context()  # the job's profile scope, in the thread too
        self._thread = threading.Thread(target=context.run, args=(self._loop,), daemon=True, name="job-monitor")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        last_beat = time.monotonic()
        try:
            while not self._stop.wait(0.5):
                job = Job.objects.filter(pk=self.job_id).values("cancel_requested", "status", "attempts").first()
                if job is None or job["cancel_requested"] or job["attempts"] != self.attempt:
                    # Cancelled, deleted, or requeued to another worker: stop this run.
                    self.cancelled.set()
                if time.monotonic() - last_beat >= settings.JOB_HEARTBEAT_SECONDS:
                    # Only while this run is the job's worker: once fan_out_start made it a waiting
                    # parent (heartbeat_at=None), a late beat would let the stale sweep requeue it.
                    Job.objects.filter(
                        pk=self.job_id, attempts=self.attempt, status=JobStatus.RUNNING, waiting=False
                    ).update(heartbeat_at=timezone.now())
                    last_beat = time.monotonic()
        except Exception:  # the job itself decides its fate; a monitor hiccup must not kill it
            logger.exception("job monitor failed for %s", self.job_id)
        finally:
            connection.close()


@dataclass
class RunnerContext:
    """What a job handler gets: its job, a private workspace, progress, ffmpeg, cancel, output.
    The concrete library.jobs.context.JobContext (handlers and services are typed with that)."""

    job: Job
    workspace: Path
    monitor: _Monitor
    output: _Output | None = None
    _last_write: float = 0.0
    _progress: int = 0
    span: tuple[float, float] = field(default=(0.0, 1.0))

    def check_cancelled(self) -> None:
        if self.monitor.cancelled.is_set():
            raise ff.Cancelled("cancelled")

    def is_cancelled(self) -> bool:
        return self.monitor.cancelled.is_set()

    def progress(self, fraction: float, *, force: bool = False) -> None:
        """Report progress within the current span (0..1); written about once a second."""
        start, end = self.span
        percent = int(min(max(start + (end - start) * fraction, 0.0), 1.0) * 100)
        percent = min(percent, 99)  # 100 is written with the success itself
        now = time.monotonic()
        if percent > self._progress and (force or now - self._last_write >= 1.0):
            Job.objects.filter(pk=self.job.pk).update(progress=percent)
            self._progress = percent
            self._last_write = now
            if self.job.parent_id:  # a part of a fan-out: its parent shows all parts' progress
                fanout.parent_progress(self.job.parent_id)

    def step(self, start: float, end: float) -> RunnerContext:
        """Map the following progress reports onto [start, end] of the whole job."""
        self.span = (start, end)
        self.progress(0.0, force=True)
        return self

    def ffmpeg(self, stream: Stream, *, duration: float | None, timeout: float | None = None) -> ff.RunResult:
        self.check_cancelled()
        return ff.run(
            stream,
            timeout=timeout if timeout is not None else ff.timeout_for(duration),
            duration=duration,
            on_progress=self.progress,
            should_cancel=self.monitor.cancelled.is_set,
        )

    def input_path(self, stored_name: str | None) -> Path:
        """A local path for a stored file (downloaded into the workspace on remote storage)."""
        if not stored_name:
            raise JobError("An input of the job has no stored file.")
        return storage.local_copy(stored_name, self.workspace / f"input-{Path(stored_name).name}")

    def set_output(self, path: Path, name: str) -> None:
        self.output = _Output(path=path, name=name)


@dataclass(frozen=True)
class Claim:
    attempt: int | None  # None: not claimed, and `outcome` says why
    outcome: str = "claimed"


def _yield_reason(profile_id: UUID, running: int, now: datetime) -> str:
    """Why a job of this profile, which runs `running` jobs, should not start now ("" if it may).
    Over the limit it waits; under it, it still yields while another profile with fewer jobs
    running has one ready to go, so one profile flooding the queue cannot keep every worker."""
    limit = settings.MAX_RUNNING_JOBS_PER_PROFILE
    if running >= limit:
        return f"the profile already runs {running} job(s), its limit"
    if running == 0:
        return ""
    # Across profiles (all_objects): a scheduling decision; nothing of theirs leaves this function.
    ready = (
        Job.all_objects.filter(status=JobStatus.QUEUED, deferred=False, cancel_requested=False)
        .exclude(profile_id=profile_id)
        .exclude(run_after__gt=now)
        .values_list("profile_id", flat=True)
        .distinct()
    )
    others = set(ready)
    if not others:
        return ""
    busy = dict(
        Job.all_objects.filter(status=JobStatus.RUNNING, waiting=False, profile_id__in=others)
        .values("profile_id").annotate(n=Count("pk")).values_list("profile_id", "n")
    )  # fmt: skip
    if any(busy.get(other, 0) < running for other in others):
        return "another profile with fewer jobs running goes first"
    return ""


def claim(job_id: UUID | str) -> Claim:
    """queued -> running, atomically, within the fair queue's limits. A second delivery of the
    same task does nothing; a job before its run_after is left for its schedule; a job that must
    wait is deferred. Runs in the job's profile scope.

    The profile's row is locked while counting and claiming, so two workers claiming jobs of one
    profile at once are counted one after the other and cannot both take the last slot."""
    profile_id = current_profile_id()
    if profile_id is None:
        raise ScopeError("a job is claimed inside its profile's scope")
    now = timezone.now()
    with transaction.atomic():
        Profile.objects.select_for_update().filter(pk=profile_id).values_list("pk", flat=True).first()
        job = Job.objects.filter(pk=job_id).values("status", "cancel_requested", "run_after").first()
        if job is None or job["status"] != JobStatus.QUEUED or job["cancel_requested"]:
            return Claim(None, "not queued")
        if job["run_after"] is not None and job["run_after"] > now:
            return Claim(None, "not due yet")
        # A parent waiting for its children holds no slot (library.jobs.fanout): they need them.
        running = Job.objects.filter(status=JobStatus.RUNNING, waiting=False).count()
        reason = _yield_reason(profile_id, running, now)
        if reason:
            Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(deferred=True, updated_at=now)
            return Claim(None, f"deferred: {reason}")
        # Still conditional: a cancel does not take the profile's lock.
        claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED, cancel_requested=False).update(
            status=JobStatus.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
            worker=worker_name(),
            error="",
            deferred=False,
            run_after=None,
        )
        if claimed != 1:
            return Claim(None, "not queued")
        attempt = Job.objects.values_list("attempts", flat=True).get(pk=job_id)
    return Claim(attempt)


def _finish(job_id: UUID | str, attempt: int, **fields: Any) -> bool:
    """Record the outcome only if this run still owns the job (it was not requeued meanwhile)."""
    fields.setdefault("finished_at", timezone.now())
    return bool(Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt).update(**fields))


def _fail(job: Job, attempt: int, status: str, error: str, joins: list[tuple[str, int]]) -> str:
    error = job_error_public(error)  # shown to the profile (job, clip): no paths of this machine
    # One transaction: whoever sees the job failed also sees its clip/project/budget settled.
    with transaction.atomic():
        fanout.parent_lock(job)
        if _finish(job.pk, attempt, status=status, error=error[:10000]):
            budget_release(job_id=job.pk)
            run_failure_hook(job, error)
            job_finished_emit(job_id=job.pk, status=status)
            _child_ended(job, joins)
    return status


def _child_ended(job: Job, joins: list[tuple[str, int]]) -> None:
    job.refresh_from_db(fields=["status", "error"])
    join = fanout.child_ended(job, worker=worker_name())
    if join is not None:
        joins.append(join)


def _fan_out(job: Job, attempt: int, fan: FanOut, ctx: RunnerContext, joins: list[tuple[str, int]]) -> str:
    if fanout.fan_out_start(job, attempt, fan, progress=ctx._progress):
        return f"waiting for {len(fan.parts)} part(s)"
    if Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=attempt, cancel_requested=True).exists():
        return _fail(job, attempt, JobStatus.CANCELLED, "Cancelled.", joins)
    return "discarded: the job changed hands"


def _reschedule(job: Job, attempt: int, wait: JobDeferred) -> str:
    """The handler must wait (a Postiz rate-limit slot): back to the queue until then, sent again
    by a one-off schedule. The wait is not an attempt: the allowance grows by one."""
    with transaction.atomic():
        moved = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=attempt).update(
            status=JobStatus.QUEUED, run_after=wait.until, heartbeat_at=None, max_attempts=F("max_attempts") + 1
        )
        if moved:
            job_send_at(job_id=str(job.pk), when=wait.until)
    logger.info("job %s waits until %s: %s", job.pk, wait.until.isoformat(timespec="seconds"), wait.reason)
    return f"rescheduled: {wait.reason}"


def _wake(profile_id: UUID | None = None) -> None:
    try:
        jobs_wake_deferred(profile_id=profile_id)
    except Exception:  # the outcome is recorded already; the stale sweep wakes what this missed
        logger.exception("waking deferred jobs failed")


def execute(job_id: UUID | str) -> str:
    claimed = claim(job_id)
    if claimed.attempt is None:
        return claimed.outcome if claimed.outcome.startswith("deferred") else f"skipped: {claimed.outcome}"
    _wake()  # a job that yielded to this one's profile may go now, if its own profile has room
    try:
        return _run(job_id, claimed.attempt)
    finally:
        _wake(current_profile_id())  # this job's slot is free


def _run(job_id: UUID | str, attempt: int) -> str:
    """Run the job; then, when it was a fan-out's last part, its parent's join (in this worker:
    the parent never waited in one)."""
    joins: list[tuple[str, int]] = []
    outcome = _run_once(job_id, attempt, joins)
    for parent_id, parent_attempt in joins:
        logger.info("job %s: last part done, joining its parent %s", job_id, parent_id)
        _run_once(parent_id, parent_attempt, [])
    if settings.JOB_RUN_PARTS_INLINE and outcome.startswith("waiting"):
        return _run_parts_inline(job_id)
    return outcome


def _run_parts_inline(job_id: UUID | str) -> str:
    """Tests only (JOB_RUN_PARTS_INLINE): the parts, in order, here; the parent's outcome."""
    for part in fanout.child_ids(Job.objects.get(pk=job_id)):
        execute(part)
    return str(Job.objects.values_list("status", flat=True).get(pk=job_id))


def _run_once(job_id: UUID | str, attempt: int, joins: list[tuple[str, int]]) -> str:
    job = Job.objects.get(pk=job_id)
    monitor = _Monitor(job_id, attempt)
    monitor.start()
    try:
        with workspace(job.profile_id, job.pk) as ws:
            ctx = RunnerContext(job=job, workspace=ws, monitor=monitor)
            try:
                if fanout.is_joining(job):
                    join = get_join(job.kind)
                    state = job.result.get("state") or {}
                    ctx.span = (job.result["progress_span"][1] / 100, 1.0)
                    ctx._progress = job.progress
                    children = fanout.children_in_order(job)
                    result = {"children": [str(c.pk) for c in children], **join(ctx, state, children)}
                else:
                    result = get_handler(job.kind)(ctx) or {}
                ctx.check_cancelled()
                stored = ""
                if ctx.output is not None:
                    stored = storage.store_file(ctx.output.path, f"{job.profile_id}/jobs/{job.pk}/{ctx.output.name}")
                with transaction.atomic():
                    fanout.parent_lock(job)
                    done = _finish(
                        job_id, attempt, status=JobStatus.SUCCEEDED, progress=100, result=result,
                        output=stored, output_name=ctx.output.name if ctx.output else "",
                    )  # fmt: skip
                    if done:
                        budget_commit(job_id=job_id)
                        job_finished_emit(job_id=job_id, status=JobStatus.SUCCEEDED)
                        _child_ended(job, joins)
                if not done:
                    storage.delete_stored(stored)
                    return "discarded: the job changed hands"
                return "succeeded"
            except FanOut as fan:
                return _fan_out(job, attempt, fan, ctx, joins)
            except JobDeferred as wait:
                return _reschedule(job, attempt, wait)
            except ff.Cancelled:
                return _fail(job, attempt, JobStatus.CANCELLED, "Cancelled.", joins)
            except (ff.MediaError, JobError) as exc:
                return _fail(job, attempt, JobStatus.FAILED, str(exc), joins)
            except ProviderError as exc:  # a provider adapter's error: its message is for the user
                return _fail(job, attempt, JobStatus.FAILED, exc.message or str(exc), joins)
            except DomainError as exc:  # a service's refusal (profiles.errors): its detail is for the user
                return _fail(job, attempt, JobStatus.FAILED, str(exc), joins)
            except Exception as exc:
                logger.exception("job %s (%s) crashed", job_id, job.kind)
                return _fail(job, attempt, JobStatus.FAILED, f"Internal error: {type(exc).__name__}: {exc}", joins)
    finally:
        monitor.stop()
