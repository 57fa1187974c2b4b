"""The engine's queue: handing jobs to django-q2 (now, after commit, or at a time) and the fair
queue's waking of deferred jobs. The runner and the job services (library.services.jobs) both
send through here; it imports no service."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from library.models import Job, JobStatus
from profiles.models import Profile


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


def jobs_wake_deferred(
    *, profile_id: UUID | str | None = None, limit: int | None = 1, idle_for: float | None = None
) -> list[str]:
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
                # A parent waiting for its children (library.jobs.fanout) holds no slot.
                Job.all_objects.filter(status=JobStatus.RUNNING, waiting=False, profile_id__in={r[1] for r in rows})
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
                transaction.on_commit(partial(job_send, job_id=job_id, profile_id=owner, kind=kind))
                woken.append(job_id)
    return woken
