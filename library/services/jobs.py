"""Creating, enqueueing, cancelling, retrying and requeueing jobs, and the fair queue's waking.

Fair queue: a client may keep at most MAX_QUEUED_JOBS_PER_PROFILE jobs waiting per profile
(job_create refuses more with 429); the runner's claim lets at most MAX_RUNNING_JOBS_PER_PROFILE
run and defers the rest (queued, out of the broker, no worker held); jobs_wake_deferred sends
them again, fairest first, when a slot frees. Sending and waking are the engine's
(library.jobs.queue); this module decides what to send.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from costs.services import budget_release, budget_reserve_again
from library.jobs import fanout
from library.jobs.events import job_finished_emit
from library.jobs.queue import job_enqueue, job_send, job_send_at, jobs_wake_deferred
from library.jobs.registry import run_failure_hook
from library.models import Job, JobOrigin, JobStatus
from library.models.jobs import FINISHED
from profiles.errors import Conflict, LimitReached
from profiles.models import Profile
from profiles.tenancy import ScopeError, current_profile_id, profile_scope, unscoped

logger = logging.getLogger(__name__)


class JobStateConflict(Conflict):
    code = "job_state"
    default_detail = "The job is not in a state that allows this."


class JobQueueFull(LimitReached):
    code = "job_queue_full"
    default_detail = "This profile has too many jobs waiting. Wait for some to finish, then try again."


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
    flag within a second and kills ffmpeg's process group). A fan-out's parent cancels its
    children too; the last of them to end records the parent cancelled."""
    if job.is_finished:
        raise JobStateConflict(f"The job is already {job.status}.")
    fanout.parent_lock(job)  # parent before child: the order every child's end takes
    now = timezone.now()
    if Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, cancel_requested=True, error="Cancelled.", finished_at=now
    ):
        # It never ran: settle it as the runner would, so its estimate stops counting now.
        budget_release(job_id=job.pk)
        run_failure_hook(job, "Cancelled.")
        job_finished_emit(job_id=job.pk, status=JobStatus.CANCELLED)
        job.refresh_from_db()
        fanout.child_ended(job, worker=None)
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    if job.waiting:
        Job.objects.select_for_update().filter(pk=job.pk).values_list("pk", flat=True).first()
        for child in Job.objects.filter(pk__in=fanout.child_ids(job)).exclude(status__in=FINISHED):
            job_cancel(job=child)
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
        result={},  # a fan-out's parent makes its parts afresh
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
        # A waiting fan-out parent has no worker (its children do the work): never stale.
        running = Job.objects.filter(status=JobStatus.RUNNING, waiting=False, heartbeat_at__lt=cutoff)
        stale = list(running.select_related("profile"))
        for job in stale:
            with transaction.atomic():
                fanout.parent_lock(job)
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
                            job_finished_emit(
                                job_id=job.pk, status=JobStatus.CANCELLED if job.cancel_requested else JobStatus.FAILED
                            )
                            job.refresh_from_db()
                            fanout.child_ended(job, worker=None)
    # Deferred jobs whose wake-up was lost (their worker died between a job's end and it).
    report.woken = jobs_wake_deferred(limit=None, idle_for=stale_after)
    if report.requeued or report.failed or report.resent or report.woken:
        logger.warning(
            "stale jobs: %d requeued, %d failed, %d queued job(s) sent again, %d waiting job(s) woken",
            len(report.requeued), len(report.failed), len(report.resent), len(report.woken),
        )  # fmt: skip
    return report
