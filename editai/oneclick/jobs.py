"""The one-click job kind (registered at start-up by editai.apps)."""

from __future__ import annotations

from typing import Any

from editai.oneclick.services import one_click_failed, one_click_join, one_click_run
from library.jobs.context import JobContext
from library.jobs.registry import job_kind
from library.services.generation import project_require, source_video_require


@job_kind("one-click", on_failure=one_click_failed, join=one_click_join)
def one_click(ctx: JobContext) -> dict[str, Any]:
    project = project_require(ctx.job.project_id)
    video = source_video_require(ctx.job.source_video_id)
    return one_click_run(ctx, project=project, video=video)
