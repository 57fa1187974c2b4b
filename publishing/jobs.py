"""The publish job kind, and one-click's publishing step."""

from __future__ import annotations

from typing import Any

from library.jobs.registry import JobError, job_kind
from library.jobs.runner import JobContext
from profiles.models import Profile
from publishing.models import Publication
from publishing.postiz import PostizError
from publishing.services import postiz, submit
from publishing.services.publications import publication_create_rows_for_clips


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
    """one-click's last step: queue and submit every rendered clip on the chosen integrations."""
    groups = publication_create_rows_for_clips(clips=clips, job=ctx.job, **publish)
    publish_groups(ctx, groups)
    return [str(pk) for pk in Publication.objects.filter(group__in=groups).values_list("pk", flat=True)]
