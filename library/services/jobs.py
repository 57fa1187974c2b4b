"""Creating, enqueueing, cancelling, retrying and requeueing jobs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task
from rest_framework.exceptions import APIException

from costs.services import budget_release
from library.jobs.registry import run_failure_hook
from library.models import Job, JobStatus
from profiles.tenancy import profile_scope, unscoped

logger = logging.getLogger(__name__)


class JobStateConflict(APIException):
    status_code = 409
    default_code = "job_state"
    default_detail = "The job is not in a state that allows this."


def job_send(*, job_id: str, profile_id: str, kind: str) -> None:
    """Hand the job to django-q2. The task carries ids only; the group is the profile, so
    support staff can filter q2's task admin by store."""
    task_id = async_task(
        "library.tasks.run_job", job_id, profile_id=profile_id, group=profile_id, task_name=f"{kind}:{job_id}"
    )
    # updated_at marks the send: a queued job whose task a broker lost is sent again from it.
    Job.all_objects.filter(pk=job_id).update(q2_task_id=task_id or "", updated_at=timezone.now())


def job_enqueue(*, job: Job) -> None:
    """Send the job to the queue once the current transaction commits (never before: a worker
    must find the row)."""
    job_id, profile_id, kind = str(job.pk), str(job.profile_id), job.kind
    transaction.on_commit(lambda: job_send(job_id=job_id, profile_id=profile_id, kind=kind))


@transaction.atomic
def job_create(
    *, kind: str, params: dict[str, Any] | None = None, max_attempts: int | None = None, **links: Any
) -> Job:
    job = Job(
        kind=kind,
        params=params or {},
        max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
        **links,
    )
    job.full_clean()
    job.save()
    job_enqueue(job=job)
    return job


@transaction.atomic
def job_cancel(*, job: Job) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop (its monitor sees the
    flag within a second and kills ffmpeg's process group)."""
    if job.is_finished:
        raise JobStateConflict(f"The job is already {job.status}.")
    now = timezone.now()
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, cancel_requested=True, error="Cancelled.", finished_at=now
    )
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


@transaction.atomic
def job_retry(*, job: Job) -> Job:
    """Run a failed or cancelled job again, with a fresh allowance of attempts."""
    updated = Job.objects.filter(pk=job.pk, status__in=[JobStatus.FAILED, JobStatus.CANCELLED]).update(
        status=JobStatus.QUEUED,
        cancel_requested=False,
        error="",
        progress=0,
        finished_at=None,
        max_attempts=F("attempts") + settings.JOB_MAX_ATTEMPTS,
    )
    if not updated:
        raise JobStateConflict("Only failed or cancelled jobs can be retried.")
    job.refresh_from_db()
    job_enqueue(job=job)
    return job


@dataclass
class RequeueReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)


def _resend_lost(report: RequeueReport, resend_after: float) -> None:
    """Redis has no acknowledgements: the tasks a killed cluster had fetched but not started are
    gone, and their jobs would stay queued forever. A job still queued long after it was last
    sent is sent again; a duplicate delivery is harmless (the claim is atomic)."""
    cutoff = timezone.now() - timedelta(seconds=resend_after)
    lost = Job.objects.filter(status=JobStatus.QUEUED, cancel_requested=False, updated_at__lt=cutoff)
    for job_id, profile_id, kind in lost.values_list("pk", "profile_id", "kind"):
        job_send(job_id=str(job_id), profile_id=str(profile_id), kind=kind)
        report.resent.append(str(job_id))


def jobs_requeue_stale(*, stale_after: float | None = None, resend_after: float | None = None) -> RequeueReport:
    """Running jobs whose heartbeat stopped (their worker died) go back to the queue, or fail
    once they have used up their attempts; queued jobs whose task was lost are sent again (with
    Redis; 0 turns it off). Works across profiles (an operator/q2 schedule)."""
    cutoff = timezone.now() - timedelta(seconds=stale_after or settings.JOB_STALE_AFTER_SECONDS)
    resend_after = settings.JOB_RESEND_QUEUED_AFTER_SECONDS if resend_after is None else resend_after
    report = RequeueReport()
    with unscoped():
        if resend_after > 0:
            _resend_lost(report, resend_after)  # before the requeue below, which sends afresh
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
    if report.requeued or report.failed or report.resent:
        logger.warning(
            "stale jobs: %d requeued, %d failed, %d queued job(s) sent again",
            len(report.requeued), len(report.failed), len(report.resent),
        )  # fmt: skip
    return report
