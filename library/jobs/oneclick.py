"""One click: a project, its variants, each voiced, captioned and rendered to a preset, and
(when asked) published — one job whose progress covers every step."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from library import selection
from library.jobs.generate import _check_plans, _project, _video, project_failed
from library.jobs.registry import job_kind
from library.jobs.render import BROLL_SECONDS, render_clip
from library.jobs.runner import JobContext
from library.models import Clip, ClipStatus, Project, ProjectStatus, Segment
from library.services.analysis import analysis_run

# Publishing registers itself here (the library cannot import the publishing app).
PUBLISHERS: list[Any] = []


def _failed(job: Any, error: str) -> None:
    project_failed(job, error)
    Clip.objects.filter(project_id=job.project_id, status=ClipStatus.RENDERING).update(
        status=ClipStatus.FAILED, error=error[:5000]
    )


@job_kind("one-click", on_failure=_failed)
def one_click(ctx: JobContext) -> dict[str, Any]:
    params = ctx.job.params
    project = _project(ctx)
    video = _video(ctx.job.source_video_id)
    publish = params.get("publish") or None
    render_end = 0.9 if publish else 1.0

    ctx.step(0.0, 0.2)
    analysis, cached = analysis_run(
        ctx=ctx, video=video, provider_name=params.get("provider"), context_text=params.get("context_text", "")
    )
    candidates = [
        selection.Candidate(str(video.pk), s.start, s.end, s.score if s.score is not None else 50.0, str(s.pk))
        for s in Segment.objects.filter(analysis=analysis)
    ] or [selection.Candidate(str(video.pk), 0.0, video.duration)]
    target = min(float(params["target_duration"]), video.duration)
    count = int(params["variant_count"])
    plans = selection.plan_variants(candidates, variant_count=count, target=target, mode="best")
    _check_plans(plans, target, count, sum(c.duration for c in candidates))

    with transaction.atomic():
        clips = [
            Clip.objects.create(
                project=project,
                variant_index=n + 1,
                cut_list=[c.as_dict() for c in cuts],
                layout=params.get("layout", "pad"),
                selection={"mode": "best", "analysis": str(analysis.pk), "variant": n},
                duration=round(selection.total(cuts), 3),
                script_text=params.get("script_text", ""),
                voice_id=params.get("voice_id", ""),
                caption_style=params.get("caption_style") or {},
                status=ClipStatus.RENDERING,
            )  # fmt: skip
            for n, cuts in enumerate(plans)
        ]
    span = (render_end - 0.2) / len(clips)
    results = []
    for n, clip in enumerate(clips):
        ctx.step(0.2 + n * span, 0.2 + (n + 1) * span)
        results.append(render_clip(ctx, clip, preset_name=params["preset"], broll=bool(params.get("broll")),
                                   broll_seconds=float(params.get("broll_seconds", BROLL_SECONDS))))  # fmt: skip
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.READY, status_reason="")
    result: dict[str, Any] = {
        "project": str(project.pk),
        "clips": [str(c.pk) for c in clips],
        "renders": [{"clip": r["clip"], "duration": r["duration"], "fit": r.get("fit")} for r in results],
        "analysis": {"id": str(analysis.pk), "provider": analysis.provider, "cached": cached, "notes": analysis.notes},
    }
    if publish:
        ctx.step(render_end, 1.0)
        for publisher in PUBLISHERS:
            result["publications"] = publisher(ctx, clips, publish)
    return result
