"""The publish job kind, and one-click's publishing step."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.dateparse import parse_datetime

from library.jobs.registry import JobDeferred, JobError, job_kind
from library.jobs.runner import JobContext
from library.models import JobOrigin
from library.services.jobs import job_create
from profiles.models import Profile
from publishing.models import Publication
from publishing.postiz import PostizError
from publishing.services import postiz, submit
from publishing.services.publications import publication_create_rows_for_clips

logger = logging.getLogger(__name__)


def _failed(job: Any, error: str) -> None:
    submit.fail_open(job.params.get("groups", []), error)


def publish_groups(ctx: JobContext, groups: list[str]) -> list[dict[str, Any]]:
    profile = Profile.objects.get(pk=ctx.job.profile_id)
    results = []
    try:
        with postiz.client_for(profile) as client:
            for n, group in enumerate(groups):
                ctx.progress(n / max(len(groups), 1), force=True)
                results.append(submit.submit_group(ctx, client, group))
    except PostizError as exc:
        postiz.note_error(profile, exc)
        raise JobError(str(exc)) from None
    except postiz.PostizNotConfigured as exc:
        raise JobError(str(exc.detail)) from None
    return results


@job_kind("publish", on_failure=_failed)
def publish(ctx: JobContext) -> dict[str, Any]:
    groups = ctx.job.params.get("groups", [])
    results = publish_groups(ctx, groups)
    statuses = dict(Publication.objects.filter(group__in=groups).values_list("pk", "status"))
    return {"groups": results, "publications": {str(k): v for k, v in statuses.items()}}


def one_click_publisher(ctx: JobContext, clips: list[Any], publish: dict[str, Any]) -> list[str]:
    """one-click's last step: queue and submit every rendered clip on the chosen integrations.
    When Postiz's rate limit makes it wait, the rest goes to a publish job of its own, sent at
    the slot: rescheduling one-click itself would render everything again."""
    when = publish.get("scheduled_at")
    if isinstance(when, str):  # the job's params are JSON: the schedule comes back as ISO 8601 text
        publish = {**publish, "scheduled_at": parse_datetime(when)}
    groups = publication_create_rows_for_clips(clips=clips, job=ctx.job, **publish)
    try:
        publish_groups(ctx, groups)
    except JobDeferred as wait:
        follow_up = job_create(kind="publish", params={"groups": groups}, origin=JobOrigin.SYSTEM, run_after=wait.until)
        Publication.objects.filter(group__in=groups).update(job=follow_up)
        logger.info("one-click %s: publishing continues in job %s at %s", ctx.job.pk, follow_up.pk, wait.until)
    return [str(pk) for pk in Publication.objects.filter(group__in=groups).values_list("pk", flat=True)]
