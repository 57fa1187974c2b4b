"""The one job helper for tests: make a job row, run it the way the worker does, read it back."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from library.models import Job
from tests.factories import JobFactory


def make_job(profile: Any, kind: str = "preview", **fields: Any) -> Job:
    """A queued job of `profile` (nothing enqueued); `fields` set any column (status, params...)."""
    job: Job = JobFactory.create(profile=profile, kind=kind, **fields)
    return job


def run(job: Job | str | UUID) -> str:
    """Run the job in this process through the worker's entry point; returns what it answers
    ("succeeded", "skipped: not queued"...)."""
    from library.tasks import run_job

    if not isinstance(job, Job):
        job = reload(job)
    return str(run_job(str(job.pk), profile_id=str(job.profile_id)))


def reload(job: Job | str | UUID) -> Job:
    """The job's row as stored now (any profile: tests look from outside the scope)."""
    return Job.all_objects.get(pk=job.pk if isinstance(job, Job) else job)
