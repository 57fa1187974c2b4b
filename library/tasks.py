"""django-q2 entry points: ids in, the job's profile scope restored, a service called."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from costs.services import budget_release_stale
from library.jobs import runner
from library.models import Job, JobStatus
from library.services.jobs import jobs_requeue_stale
from library.services.temp import temp_sweep
from profiles.tenancy import ScopeError, profile_scope, unscoped


def run_job(job_id: str, profile_id: str) -> str:
    job = Job.all_objects.select_related("profile").filter(pk=job_id).first()
    if job is None:
        return "skipped: no such job"
    if str(job.profile_id) != str(profile_id):
        raise ScopeError(f"job {job_id} does not belong to profile {profile_id}")
    with profile_scope(job.profile):
        return runner.execute(job.pk)


def requeue_stale_jobs() -> str:
    report = jobs_requeue_stale()
    with unscoped():
        live = set(Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).values_list("pk", flat=True))
        released = budget_release_stale(
            older_than=timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS), live_job_ids=live
        )
    return (
        f"requeued {len(report.requeued)}, failed {len(report.failed)}, sent {len(report.resent)} again, "
        f"released {released} reservation(s)"
    )


def cleanup_temp() -> str:
    report = temp_sweep()
    return f"removed {len(report.removed)} path(s), {report.bytes_freed} bytes"
