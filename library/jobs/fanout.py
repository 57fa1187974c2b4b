"""Fan-out: a job whose handler ended with `job_fan_out` waits, running but without a worker
(`waiting`), while its child jobs run on any worker; the last child to end settles it.

Locks: whoever changes a child's final status in a transaction locks the parent's row FIRST
(`parent_lock`), then the child's; cancelling a parent locks the parent, then its children. One
order, so two children ending at once, or a child ending while its parent is cancelled, wait for
each other instead of deadlocking; and the second of two children ending at once sees the first
one's end (its lock waits for that commit), so exactly one of them settles the parent.

Waiting parents hold no running slot of their profile (the claim and the wake-up count only jobs
with a worker): the children take the slots, so they can never wait behind their own parent.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Case, F, IntegerField, Value, When
from django.utils import timezone

from costs.services import budget_release, cost_entries_move
from library.jobs.errors import job_error_public
from library.jobs.events import job_finished_emit
from library.jobs.queue import job_enqueue
from library.jobs.registry import FanOut, run_failure_hook
from library.models import Job, JobOrigin, JobStatus
from library.models.jobs import FINISHED


def fan_out_start(job: Job, attempt: int, fan: FanOut, *, progress: int) -> bool:
    """The parent (this run still owns it) waits; its children are made and sent, in one
    transaction. False when the parent changed hands or was cancelled meanwhile."""
    with transaction.atomic():
        lo = min(progress, 99)
        hi = max(lo, min(int(fan.progress_to * 100), 99))
        children = [
            Job(kind=part.kind, params=part.params, parent_id=job.pk, profile_id=job.profile_id,
                origin=JobOrigin.SYSTEM, max_attempts=settings.JOB_MAX_ATTEMPTS, **part.links)
            for part in fan.parts
        ]  # fmt: skip
        waiting = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=attempt, cancel_requested=False)
        moved = waiting.update(
            waiting=True, heartbeat_at=None, progress=lo,
            result={"children": [str(c.pk) for c in children], "progress_span": [lo, hi], "state": fan.state},
        )  # fmt: skip
        if not moved:
            return False
        for child in children:
            child.save()
            job_enqueue(job=child)
    return True


def is_joining(job: Job) -> bool:
    """A parent whose children have all ended: its run is the join, not its handler again."""
    ids = child_ids(job)
    return bool(ids) and not Job.objects.filter(pk__in=ids).exclude(status__in=FINISHED).exists()


def child_ids(job: Job) -> list[str]:
    return [str(pk) for pk in (job.result or {}).get("children", [])] if "progress_span" in (job.result or {}) else []


def children_in_order(job: Job) -> list[Job]:
    ids = child_ids(job)
    rows = {str(c.pk): c for c in Job.objects.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def parent_lock(job: Job) -> None:
    """Call first in the transaction that ends a child (see the module's note on lock order)."""
    if job.parent_id:
        Job.objects.select_for_update().filter(pk=job.parent_id).values_list("pk", flat=True).first()


def parent_progress(parent_id: UUID | str) -> None:
    """The parent's progress: its own part before the fan-out, then the mean of its children's
    (an ended child counts as done), never going back."""
    parent = Job.objects.filter(pk=parent_id, waiting=True).values_list("result", flat=True).first()
    if not parent:
        return
    lo, hi = parent.get("progress_span", [0, 99])
    done = Case(When(status__in=FINISHED, then=Value(100)), default=F("progress"), output_field=IntegerField())
    mean = Job.objects.filter(pk__in=parent.get("children", [])).aggregate(m=Avg(done))["m"] or 0
    percent = min(int(lo + (hi - lo) * float(mean) / 100), 99)
    Job.objects.filter(pk=parent_id, waiting=True, progress__lt=percent).update(progress=percent)


def _parent_end(parent: Job, status: str, error: str) -> None:
    error = job_error_public(error)
    ended = Job.objects.filter(pk=parent.pk, status=JobStatus.RUNNING, waiting=True).update(
        status=status, waiting=False, error=error[:10000], finished_at=timezone.now()
    )
    if ended:
        budget_release(job_id=parent.pk)
        run_failure_hook(parent, error)
        job_finished_emit(job_id=parent.pk, status=status)


def child_ended(child: Job, *, worker: str | None) -> tuple[str, int] | None:
    """Call in the transaction that recorded `child`'s end, after `parent_lock`. While siblings
    run, the parent's progress moves. After the last: a cancelled parent is cancelled, one whose
    children all failed fails (their errors listed); otherwise its join is claimed, exactly
    once: with `worker` (the runner), this worker runs it right after the commit (returns the
    parent's id and attempt); without (a sweep, a cancel), the parent is queued to join."""
    if not child.parent_id:
        return None
    cost_entries_move(from_job_id=child.pk, to_job_id=child.parent_id)  # spent for the parent
    parent = Job.objects.filter(pk=child.parent_id, status=JobStatus.RUNNING, waiting=True).first()
    if parent is None:
        return None
    children = children_in_order(parent)
    if any(c.status not in FINISHED for c in children):
        parent_progress(parent.pk)
        return None
    if parent.cancel_requested:
        _parent_end(parent, JobStatus.CANCELLED, "Cancelled.")
        return None
    if not any(c.status == JobStatus.SUCCEEDED for c in children):
        _parent_end(parent, JobStatus.FAILED, failures_text(children))
        return None
    now = timezone.now()
    if worker is not None:
        Job.objects.filter(pk=parent.pk, waiting=True).update(waiting=False, heartbeat_at=now, worker=worker)
        return str(parent.pk), parent.attempts
    Job.objects.filter(pk=parent.pk, waiting=True).update(waiting=False, status=JobStatus.QUEUED, heartbeat_at=None)
    job_enqueue(job=parent)
    return None


def failures_text(children: list[Job]) -> str:
    failed = [c for c in children if c.status != JobStatus.SUCCEEDED]
    lines = [f"part {n + 1} ({c.status}): {c.error or c.status}" for n, c in enumerate(children) if c in failed]
    return f"{len(failed)} of {len(children)} part(s) did not finish. " + " ".join(lines)


def failures(children: list[Job]) -> list[dict[str, Any]]:
    """What a join lists for the children that did not succeed: their position, job and error."""
    return [
        {"part": n + 1, "kind": c.kind, "job": str(c.pk), "status": c.status, "error": c.error}
        for n, c in enumerate(children)
        if c.status != JobStatus.SUCCEEDED
    ]
