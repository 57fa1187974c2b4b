"""Creating, enqueueing, cancelling, retrying and requeueing jobs, and the fair queue's waking.

Fair queue: a client may keep at most MAX_QUEUED_JOBS_PER_PROFILE jobs waiting per profile
(job_create refuses more with 429); the runner's claim lets at most MAX_RUNNING_JOBS_PER_PROFILE
run and defers the rest (queued, out of the broker, no worker held); jobs_wake_deferred sends
them again, fairest first, when a slot frees.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task
from rest_framework.exceptions import APIException

from costs.services import budget_release, budget_reserve_again
from library.jobs.registry import run_failure_hook
from library.models import Job, JobOrigin, JobStatus
from profiles.models import Profile
from profiles.tenancy import ScopeError, current_profile_id, profile_scope, unscoped

logger = logging.getLogger(__name__)


class JobStateConflict(APIException):
    status_code = 409
    default_code = "job_state"
    default_detail = "The job is not in a state that allows this."


class JobQueueFull(APIException):
    status_code = 429
    default_code = "job_queue_full"
    default_detail = "This profile has too many jobs waiting. Wait for some to finish, then try again."


def job_send(*, job_id: str, profile_id: str, kind: str) -> None:
    """Hand the job to django-q2. The task carries ids only; the group is the profile, so
    support staff can filter q2's task admin by store."""
    task_id = async_task(
        "library.tasks.run_job", job_id, profile_id=profile_id, group=profile_id, task_name=f"{kind}:{job_id}"
    )
    # updated_at marks the send: a queued job whose task a broker lost is sent again from it.
    Job.all_objects.filter(pk=job_id).update(q2_task_id=task_id or "", updated_at=timezone.now())


def job_send_at(*, job_id: str, when: datetime) -> None:
    """Send the job at `when`, not before: a q2 schedule that fires once. The job waits in the
    database meanwhile, not in a worker; the claim refuses it before its run_after."""
    Schedule.objects.update_or_create(
        name=f"editai: send job {job_id}",
        defaults={"func": "library.tasks.send_job", "args": repr(str(job_id)), "schedule_type": Schedule.ONCE,
                  "repeats": -1, "next_run": when},
    )  # fmt: skip


def job_enqueue(*, job: Job) -> None:
    """Send the job to the queue once the current transaction commits (never before: a worker
    must find the row)."""
    job_id, profile_id, kind = str(job.pk), str(job.profile_id), job.kind
    transaction.on_commit(lambda: job_send(job_id=job_id, profile_id=profile_id, kind=kind))


def _check_queue_room() -> None:
    """A client may keep at most MAX_QUEUED_JOBS_PER_PROFILE jobs of a profile waiting. The
    profile's row is locked (until the request's transaction ends), so concurrent requests are
    counted one after the other."""
    profile_id = current_profile_id()
    if profile_id is None:
        raise ScopeError("jobs are created inside a profile scope")
    Profile.objects.select_for_update().filter(pk=profile_id).values_list("pk", flat=True).first()
    waiting = Job.objects.filter(origin=JobOrigin.CLIENT, status=JobStatus.QUEUED).count()
    if waiting >= settings.MAX_QUEUED_JOBS_PER_PROFILE:
        raise JobQueueFull(
            f"This profile already has {waiting} job{'s' if waiting != 1 else ''} waiting to run, the most "
            "it may have. Wait for some to finish (or cancel queued ones), then try again."
        )


@transaction.atomic
def job_create(
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    max_attempts: int | None = None,
    origin: str = JobOrigin.CLIENT,
    run_after: datetime | None = None,
    **links: Any,
) -> Job:
    """Every job starts here, so the queued limit holds for every endpoint: a client's job over
    it is refused (JobQueueFull, 429); a job the system starts on a client's behalf
    (origin=system) is never refused, and counts toward the running limit only. With
    `run_after`, the job is sent at that time, not at once."""
    if origin == JobOrigin.CLIENT:
        _check_queue_room()
    job = Job(
        kind=kind,
        params=params or {},
        max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
        origin=origin,
        run_after=run_after,
        **links,
    )
    job.full_clean()
    job.save()
    if run_after is not None:
        job_send_at(job_id=str(job.pk), when=run_after)
    else:
        job_enqueue(job=job)
    return job


@transaction.atomic
def job_cancel(*, job: Job) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop (its monitor sees the
    flag within a second and kills ffmpeg's process group)."""
    if job.is_finished:
        raise JobStateConflict(f"The job is already {job.status}.")
    now = timezone.now()
    if Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, cancel_requested=True, error="Cancelled.", finished_at=now
    ):
        # It never ran: settle it as the runner would, so its estimate stops counting now.
        budget_release(job_id=job.pk)
        run_failure_hook(job, "Cancelled.")
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


@transaction.atomic
def job_retry(*, job: Job) -> Job:
    """Run a failed or cancelled job again, with a fresh allowance of attempts. A client's retry
    waits in the queue like new work (the queued limit; the profile's lock is taken first, as the
    claim takes it, so the two cannot deadlock)."""
    if job.origin == JobOrigin.CLIENT:
        _check_queue_room()
    updated = Job.objects.filter(pk=job.pk, status__in=[JobStatus.FAILED, JobStatus.CANCELLED]).update(
        status=JobStatus.QUEUED,
        cancel_requested=False,
        deferred=False,
        run_after=None,
        error="",
        progress=0,
        finished_at=None,
        max_attempts=F("attempts") + settings.JOB_MAX_ATTEMPTS,
    )
    if not updated:
        raise JobStateConflict("Only failed or cancelled jobs can be retried.")
    # Like new work: its estimate is held again, or the retry is refused (402) and rolled back.
    budget_reserve_again(job_id=job.pk)
    job.refresh_from_db()
    job_enqueue(job=job)
    return job


def jobs_wake_deferred(*, profile_id: Any = None, limit: int | None = 1, idle_for: float | None = None) -> list[str]:
    """Send deferred jobs again, fairest first: only from profiles under their running limit,
    those with the fewest running jobs first, oldest first; at most each profile's free slots
    and `limit` in all (None: no limit). Called when a slot frees (`profile_id`: the profile of
    the job that ended), after a claim (a job that yielded to another profile's may go now),
    and by the stale sweep for jobs nobody woke (`idle_for`: untouched for that many seconds).
    Works across profiles; returns the ids sent."""
    cap = settings.MAX_RUNNING_JOBS_PER_PROFILE
    woken: list[str] = []
    with transaction.atomic():
        if profile_id is not None:
            # A claim of this profile deferring a job right now holds this lock: wait, then see it.
            Profile.objects.select_for_update().filter(pk=profile_id).values_list("pk", flat=True).first()
        waiting = Job.all_objects.filter(status=JobStatus.QUEUED, deferred=True, cancel_requested=False)
        if idle_for is not None:
            waiting = waiting.filter(updated_at__lt=timezone.now() - timedelta(seconds=idle_for))
        rows = list(waiting.order_by("created_at", "pk").values_list("pk", "profile_id", "kind")[:1000])
        if not rows:
            return woken
        running = Counter(
            dict(
                Job.all_objects.filter(status=JobStatus.RUNNING, profile_id__in={r[1] for r in rows})
                .values("profile_id").annotate(n=Count("pk")).values_list("profile_id", "n")
            )
        )  # fmt: skip
        while limit is None or len(woken) < limit:
            # min() keeps the first of equals: the oldest job of the least busy profiles.
            row = min((r for r in rows if running[r[1]] < cap), key=lambda r: running[r[1]], default=None)
            if row is None:
                break
            rows.remove(row)
            running[row[1]] += 1  # it will take one of its profile's slots
            if Job.all_objects.filter(pk=row[0], status=JobStatus.QUEUED, deferred=True).update(deferred=False):
                job_id, owner, kind = str(row[0]), str(row[1]), row[2]
                transaction.on_commit(lambda j=job_id, p=owner, k=kind: job_send(job_id=j, profile_id=p, kind=k))
                woken.append(job_id)
    return woken


@dataclass
class RequeueReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    woken: list[str] = field(default_factory=list)


def _resend_lost(report: RequeueReport, resend_after: float) -> None:
    """Redis has no acknowledgements: the tasks a killed cluster had fetched but not started are
    gone, and their jobs would stay queued forever. A job still queued long after it was last
    sent is sent again; a duplicate delivery is harmless (the claim is atomic)."""
    cutoff = timezone.now() - timedelta(seconds=resend_after)
    lost = Job.objects.filter(status=JobStatus.QUEUED, cancel_requested=False, updated_at__lt=cutoff)
    # Deferred jobs are out of the broker on purpose, and jobs waiting for their time are sent by
    # their schedule: both have their own sweep below.
    lost = lost.filter(deferred=False, run_after__isnull=True)
    for job_id, profile_id, kind in lost.values_list("pk", "profile_id", "kind"):
        job_send(job_id=str(job_id), profile_id=str(profile_id), kind=kind)
        report.resent.append(str(job_id))


def _send_overdue(report: RequeueReport, late_after: float) -> None:
    """A job rescheduled for later (a rate-limit slot) is sent by a q2 schedule at that time; one
    still unsent `late_after` seconds past it lost its schedule, and is sent now."""
    cutoff = timezone.now() - timedelta(seconds=late_after)
    overdue = Job.objects.filter(
        status=JobStatus.QUEUED, cancel_requested=False, deferred=False, run_after__lt=cutoff
    ).filter(updated_at__lt=F("run_after"))
    for job_id, profile_id, kind in overdue.values_list("pk", "profile_id", "kind"):
        job_send(job_id=str(job_id), profile_id=str(profile_id), kind=kind)
        report.resent.append(str(job_id))


def jobs_requeue_stale(*, stale_after: float | None = None, resend_after: float | None = None) -> RequeueReport:
    """Running jobs whose heartbeat stopped (their worker died) go back to the queue, or fail
    once they have used up their attempts; queued jobs whose task was lost are sent again (with
    Redis; 0 turns it off); deferred jobs nobody woke and rescheduled jobs whose schedule was
    lost are sent again. Works across profiles (an operator/q2 schedule)."""
    stale_after = stale_after or settings.JOB_STALE_AFTER_SECONDS
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    resend_after = settings.JOB_RESEND_QUEUED_AFTER_SECONDS if resend_after is None else resend_after
    report = RequeueReport()
    with unscoped():
        if resend_after > 0:
            _resend_lost(report, resend_after)  # before the requeue below, which sends afresh
        _send_overdue(report, stale_after)
        stale = list(Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).select_related("profile"))
        for job in stale:
            with transaction.atomic():
                if job.attempts < job.max_attempts and not job.cancel_requested:
                    moved = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(
                        status=JobStatus.QUEUED, error=f"Worker {job.worker} stopped responding; requeued."
                    )
                    if moved:
                        job_enqueue(job=job)
                        report.requeued.append(str(job.pk))
                else:
                    reason = (
                        "Cancelled." if job.cancel_requested
                        else f"The worker died {job.attempts} time(s) while running this job; giving up."
                    )  # fmt: skip
                    moved = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(
                        status=JobStatus.CANCELLED if job.cancel_requested else JobStatus.FAILED,
                        error=reason,
                        finished_at=timezone.now(),
                    )
                    if moved:
                        report.failed.append(str(job.pk))
                        with profile_scope(job.profile):
                            budget_release(job_id=job.pk)
                            run_failure_hook(job, reason)
    # Deferred jobs whose wake-up was lost (their worker died between a job's end and it).
    report.woken = jobs_wake_deferred(limit=None, idle_for=stale_after)
    if report.requeued or report.failed or report.resent or report.woken:
        logger.warning(
            "stale jobs: %d requeued, %d failed, %d queued job(s) sent again, %d waiting job(s) woken",
            len(report.requeued), len(report.failed), len(report.resent), len(report.woken),
        )  # fmt: skip
    return report
