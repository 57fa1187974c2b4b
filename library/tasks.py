"""django-q2 entry points: ids in, the job's profile scope restored, a service called."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from costs.services import budget_release_stale
from library.jobs import runner
from library.jobs.queue import job_send
from library.models import Job, JobStatus
from library.services.jobs import jobs_requeue_stale
from library.services.temp import temp_sweep
from library.services.voices import provider_voices_delete
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
        f"woke {len(report.woken)}, released {released} reservation(s)"
    )


def send_job(job_id: str) -> str:
    """Fired by the one-off schedule of a job rescheduled for later (job_send_at): send it now,
    unless it was cancelled or has run meanwhile."""
    row = (
        Job.all_objects.filter(pk=job_id, status=JobStatus.QUEUED, cancel_requested=False)
        .values_list("profile_id", "kind")
        .first()
    )
    if row is None:
        return "skipped: not queued"
    job_send(job_id=str(job_id), profile_id=str(row[0]), kind=row[1])
    return "sent"


def delete_cloned_voices(provider: str, voice_ids: list[str], attempt: int = 1) -> str:
    """A deleted profile's clones, deleted at the provider (no scope: the profile is gone)."""
    left = provider_voices_delete(provider=provider, voice_ids=voice_ids, attempt=attempt)
    return f"deleted {len(voice_ids) - len(left)} {provider} voice(s), {len(left)} left"


def cleanup_temp() -> str:
    report = temp_sweep()
    return f"removed {len(report.removed)} path(s), {report.bytes_freed} bytes"
