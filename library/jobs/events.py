"""The job's webhook events (job.succeeded, job.failed, job.cancelled), written into the outbox
in the transaction that records the job's end, with the job as GET /api/v1/jobs/{id}/ shows it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from library.models import Job, JobStatus
from library.serializers import JobSerializer
from webhooks.services import webhook_event_emit

JOB_EVENTS = {
    JobStatus.SUCCEEDED: "job.succeeded",
    JobStatus.FAILED: "job.failed",
    JobStatus.CANCELLED: "job.cancelled",
}


def job_finished_emit(*, job_id: UUID | str, status: str) -> None:
    """Call inside the transaction that set the job's final `status`, in its profile's scope."""

    def data() -> dict[str, Any]:
        return {"job": JobSerializer(Job.objects.get(pk=job_id)).data}

    webhook_event_emit(event_type=JOB_EVENTS[JobStatus(status)], data=data)
