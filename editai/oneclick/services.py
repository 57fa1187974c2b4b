"""One click's two halves: `one_click_start` (in the request: checks, project, job, budget) and
`one_click_run` (in the job: analyze, plan, render each variant, publish)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from costs.services import budget_reserve
from library import selection
from library.jobs.context import JobContext
from library.jobs.registry import JobDeferred
from library.models import Clip, ClipStatus, Job, JobOrigin, Project, ProjectStatus, Segment, SourceVideo
from library.presets import preset_get
from library.services import analysis as analysis_services
from library.services.analysis import analysis_run
from library.services.final_render import RenderOptions, clip_render
from library.services.generation import analysis_brief, plans_check, project_failed, project_finish
from library.services.jobs import job_create
from library.services.projects import project_create
from library.services.rendering import tts_estimate
from library.services.voices import voice_check
from profiles.errors import Invalid
from publishing.jobs import publish_groups
from publishing.models import Publication
from publishing.services.publications import publication_create_rows_for_clips

logger = logging.getLogger(__name__)

# Where the job's progress goes: analysis up to 20 %, then the renders, then publishing's 10 %.
ANALYSIS_END = 0.2
PUBLISH_SHARE = 0.1


@transaction.atomic
def one_click_start(
    *,
    source_video: SourceVideo,
    variant_count: int,
    preset: str,
    script_text: str = "",
    voice_id: str = "",
    context_text: str = "",
    target_duration: float | None = None,
    caption_style: dict[str, Any] | None = None,
    layout: str = "pad",
    provider: str | None = None,
    broll: bool = False,
    publish: dict[str, Any] | None = None,
) -> Job:
    """Project -> variants -> voiceover + captions -> preset render (-> publish): one job. The
    whole estimate (paid analysis + paid voice for every variant) is reserved up front.
    `publish` is publishing's PublishSerializer data (JSON: the job's params keep it)."""
    if preset_get(preset) is None:
        raise Invalid({"preset": f"Unknown preset {preset!r}."})
    voice_check(voice_id=voice_id)
    analyzer = analysis_services.provider_for_request(provider)
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    project = project_create(
        name=f"One click: {source_video.name[:120]} {stamp}",
        context_text=context_text,
        target_duration=target_duration or 15.0,
    )
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.GENERATING, source_video=source_video)
    job = job_create(
        kind="one-click",
        project=project,
        source_video=source_video,
        params={
            "variant_count": variant_count, "preset": preset, "script_text": script_text, "voice_id": voice_id,
            "context_text": context_text,
            "target_duration": target_duration or 15.0, "caption_style": caption_style or {}, "layout": layout,
            "provider": analyzer.name, "broll": broll, "publish": publish or None,
        },
    )  # fmt: skip
    estimate: Decimal = analysis_services.analysis_estimate(
        video=source_video, provider=analyzer, context_text=context_text
    )
    estimate += tts_estimate(characters=len(script_text) * variant_count)
    if estimate > 0:
        budget_reserve(job_id=job.pk, operation="one_click", estimate_usd=estimate)
    return job


def one_click_failed(job: Job, error: str) -> None:
    """on_failure hook: the project says why, and no variant stays "rendering"."""
    project_failed(job, error)
    if job.project_id:
        Clip.objects.filter(project_id=job.project_id, status=ClipStatus.RENDERING).update(
            status=ClipStatus.FAILED, error=error[:5000]
        )


def one_click_run(ctx: JobContext, *, project: Project, video: SourceVideo) -> dict[str, Any]:
    """The one-click job: analyze, cut the variants, render each to the preset, publish."""
    params = ctx.job.params
    publish = params.get("publish") or None
    render_end = 1.0 - PUBLISH_SHARE if publish else 1.0

    ctx.step(0.0, ANALYSIS_END)
    analysis, cached = analysis_run(
        ctx=ctx, video=video, provider_name=params.get("provider"), context_text=params.get("context_text", "")
    )
    candidates = [selection.Candidate.of_segment(s) for s in Segment.objects.filter(analysis=analysis)] or [
        selection.Candidate(str(video.pk), 0.0, video.duration)
    ]
    target = min(float(params["target_duration"]), video.duration)
    count = int(params["variant_count"])
    plans = selection.plan_variants(candidates, variant_count=count, target=target, mode="best")
    plans_check(plans=plans, target=target, variant_count=count, footage=sum(c.duration for c in candidates))

    clips = _variants_create(project=project, plans=plans, params=params, analysis_id=str(analysis.pk))
    options = RenderOptions.from_params(params)
    span = (render_end - ANALYSIS_END) / len(clips)
    renders = []
    for n, clip in enumerate(clips):
        ctx.step(ANALYSIS_END + n * span, ANALYSIS_END + (n + 1) * span)
        renders.append(clip_render(ctx, clip=clip, options=options))
    project_finish(project=project)
    result: dict[str, Any] = {
        "project": str(project.pk),
        "clips": [str(c.pk) for c in clips],
        "renders": [{"clip": r["clip"], "duration": r["duration"], "fit": r.get("fit")} for r in renders],
        "analysis": analysis_brief(analysis, cached=cached),
    }
    if publish:
        ctx.step(render_end, 1.0)
        result["publications"] = _publish(ctx, clips=clips, publish=publish)
    return result


@transaction.atomic
def _variants_create(
    *, project: Project, plans: list[list[selection.Cut]], params: dict[str, Any], analysis_id: str
) -> list[Clip]:
    """The variants as clips marked "rendering" (the final render makes their only file)."""
    return [
        Clip.objects.create(
            project=project,
            variant_index=n + 1,
            cut_list=[c.as_dict() for c in cuts],
            layout=params.get("layout", "pad"),
            selection={"mode": "best", "analysis": analysis_id, "variant": n},
            duration=round(selection.total(cuts), 3),
            script_text=params.get("script_text", ""),
            voice_id=params.get("voice_id", ""),
            caption_style=params.get("caption_style") or {},
            status=ClipStatus.RENDERING,
        )
        for n, cuts in enumerate(plans)
    ]


def _publish(ctx: JobContext, *, clips: list[Clip], publish: dict[str, Any]) -> list[str]:
    """Queue and submit every rendered clip on the chosen integrations. When Postiz's rate limit
    makes it wait, the rest goes to a publish job of its own, sent at the slot: rescheduling
    one-click itself would render everything again."""
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
