"""The publish job kind (one-click, in editai.oneclick, publishes through `publish_groups` too)."""

from __future__ import annotations

from typing import Any

from library.jobs.context import JobContext
from library.jobs.registry import job_kind
from library.models import Job
from profiles.models import Profile
from publishing.models import Publication
from publishing.postiz import PostizError
from publishing.services import postiz, submit


def _failed(job: Job, error: str) -> None:
    submit.fail_open(job.params.get("groups", []), error)


def publish_groups(ctx: JobContext, groups: list[str]) -> list[dict[str, Any]]:
    profile = Profile.objects.get(pk=ctx.job.profile_id)
    results = []
    try:
        with postiz.client_for(profile) as client:
            for n, group in enumerate(groups):
                ctx.progress(n / max(len(groups), 1), force=True)
                results.append(submit.submit_group(ctx, client, group))
    except PostizError as exc:  # the runner fails the job with its message (as with PostizNotConfigured)
        postiz.note_error(profile, exc)
        raise
    return results


@job_kind("publish", on_failure=_failed)
def publish(ctx: JobContext) -> dict[str, Any]:
    groups = ctx.job.params.get("groups", [])
    results = publish_groups(ctx, groups)
    statuses = dict(Publication.objects.filter(group__in=groups).values_list("pk", "status"))
    return {"groups": results, "publications": {str(k): v for k, v in statuses.items()}}
