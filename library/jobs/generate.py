"""Job kinds that turn footage into 9:16 variants: analyze, generate, generate-from-segments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Max

from library import selection, storage
from library.jobs.registry import JobError, job_kind
from library.jobs.runner import JobContext
from library.media.render import Piece, RenderSpec, render_graph
from library.models import Clip, ClipStatus, Project, ProjectSegment, ProjectStatus, Segment, SourceVideo
from library.services.analysis import analysis_run


def _video(video_id: Any) -> SourceVideo:
    video = SourceVideo.objects.filter(pk=video_id).first() if video_id else None
    if video is None:
        raise JobError("The source video was deleted.")
    return video


def _project(ctx: JobContext) -> Project:
    project = Project.objects.filter(pk=ctx.job.project_id).first() if ctx.job.project_id else None
    if project is None:
        raise JobError("The project was deleted.")
    return project


def project_failed(job: Any, error: str) -> None:
    """on_failure hook: a failed or cancelled generation leaves the project saying why."""
    if job.project_id:
        Project.objects.filter(pk=job.project_id, status=ProjectStatus.GENERATING).update(
            status=ProjectStatus.FAILED, status_reason=error[:2000]
        )


@job_kind("analyze")
def analyze(ctx: JobContext) -> dict[str, Any]:
    video = _video(ctx.job.source_video_id)
    params = ctx.job.params
    analysis, cached = analysis_run(
        ctx=ctx, video=video, provider_name=params.get("provider"), context_text=params.get("context_text", "")
    )
    segments = list(Segment.objects.filter(analysis=analysis).values_list("pk", flat=True))
    return {
        "analysis": str(analysis.pk),
        "provider": analysis.provider,
        "model": analysis.model,
        "cached": cached,
        "notes": analysis.notes,
        "segments": [str(pk) for pk in segments],
    }


class SourceInputs:
    """Local paths of the source videos a job renders from, fetched once each."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.videos: dict[str, tuple[Path, SourceVideo]] = {}

    def piece(self, cut: selection.Cut) -> Piece:
        if cut.source_video not in self.videos:
            video = _video(cut.source_video)
            self.videos[cut.source_video] = (self.ctx.input_path(video.file.name), video)
        path, video = self.videos[cut.source_video]
        return Piece(path=path, start=cut.start, end=min(cut.end, video.duration), has_audio=video.has_audio)


def render_variants(
    ctx: JobContext,
    project: Project,
    plans: list[list[selection.Cut]],
    *,
    layout: str,
    selection_info: dict,
    start: float,
) -> list[Clip]:
    """Render each cut list once to 1080x1920 with its original audio and a thumbnail, and
    save it as a raw Clip of the project."""
    inputs = SourceInputs(ctx)
    first_index = (Clip.objects.filter(project=project).aggregate(m=Max("variant_index"))["m"] or 0) + 1
    clips = []
    span = (1.0 - start) / max(len(plans), 1)
    for n, cuts in enumerate(plans):
        ctx.step(start + n * span, start + (n + 1) * span)
        folder = ctx.workspace / f"variant-{n}"
        folder.mkdir()
        spec = RenderSpec(
            pieces=[inputs.piece(cut) for cut in cuts],
            output=folder / "raw.mp4",
            thumbnail=folder / "thumbnail.jpg",
            layout=layout,
        )
        ctx.ffmpeg(render_graph(spec), duration=spec.output_duration)
        clip = Clip(
            project=project,
            variant_index=first_index + n,
            cut_list=[cut.as_dict() for cut in cuts],
            layout=layout,
            selection={**selection_info, "variant": n},
            duration=round(spec.output_duration, 3),
            status=ClipStatus.RAW,
        )
        base = f"{ctx.job.profile_id}/clips/{clip.pk}"
        stored = [
            storage.store_file(spec.output, f"{base}/raw.mp4"),
            storage.store_file(spec.thumbnail, f"{base}/thumbnail.jpg"),
        ]
        clip.raw_file, clip.thumbnail = stored
        try:
            with transaction.atomic():
                clip.full_clean()
                clip.save()
                used = [c.segment for c in cuts if c.segment]
                Segment.objects.filter(pk__in=used).update(usage_count=F("usage_count") + 1)
        except Exception:
            storage.delete_stored(*stored)
            raise
        clips.append(clip)
    return clips


def _finish_project(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.READY, status_reason="")


def _check_plans(plans: list[list[selection.Cut]], target: float, variant_count: int, footage: float) -> None:
    if len(plans) < variant_count or any(not cuts for cuts in plans):
        raise JobError("Not enough usable footage to cut the variants.")
    short = [selection.total(cuts) for cuts in plans if selection.total(cuts) < target - 1.0]
    if short:
        raise JobError(
            f"Only {min(short):.1f} s of usable footage for a {target:.1f} s target "
            f"({footage:.1f} s found); lower target_duration or add footage."
        )


@job_kind("generate", on_failure=project_failed)
def generate(ctx: JobContext) -> dict[str, Any]:
    project = _project(ctx)
    video = _video(ctx.job.source_video_id)
    params = ctx.job.params
    target = min(float(params["target_duration"]), video.duration)
    ctx.step(0.0, 0.3)
    analysis, cached = analysis_run(
        ctx=ctx, video=video, provider_name=params.get("provider"), context_text=params.get("context_text", "")
    )
    candidates = [
        selection.Candidate(
            str(video.pk), s.start, s.end, s.score if s.score is not None else 50.0, str(s.pk), s.is_favorite
        )
        for s in Segment.objects.filter(analysis=analysis)
    ]
    if not candidates:  # nothing scored (a static video): use the whole video, evenly
        candidates = [selection.Candidate(str(video.pk), 0.0, video.duration)]
    plans = selection.plan_variants(candidates, variant_count=int(params["variant_count"]), target=target, mode="best")
    _check_plans(plans, target, int(params["variant_count"]), sum(c.duration for c in candidates))
    clips = render_variants(
        ctx, project, plans, layout=params.get("layout", "pad"),
        selection_info={"mode": "best", "analysis": str(analysis.pk)}, start=0.3,
    )  # fmt: skip
    _finish_project(project)
    return {
        "clips": [str(c.pk) for c in clips],
        "analysis": {"id": str(analysis.pk), "provider": analysis.provider, "cached": cached, "notes": analysis.notes},
    }


@job_kind("generate-from-segments", on_failure=project_failed)
def generate_from_segments(ctx: JobContext) -> dict[str, Any]:
    project = _project(ctx)
    params = ctx.job.params
    assigned = list(
        ProjectSegment.objects.filter(project=project)
        .select_related("segment", "segment__source_video")
        .order_by("position")
    )
    if not assigned:
        raise JobError("The project has no segments assigned.")
    candidates = [
        selection.Candidate(
            str(a.segment.source_video_id), a.segment.start, a.segment.end,
            a.segment.score if a.segment.score is not None else 50.0, str(a.segment_id), a.segment.is_favorite,
        )
        for a in assigned
    ]  # fmt: skip
    footage = sum(c.duration for c in candidates)
    target = min(float(params["target_duration"]), footage)
    mode, seed = params["selection_mode"], int(params["seed"])
    plans = selection.plan_variants(
        candidates, variant_count=int(params["variant_count"]), target=target, mode=mode, seed=seed
    )
    _check_plans(plans, target, int(params["variant_count"]), footage)
    clips = render_variants(
        ctx, project, plans, layout=params.get("layout", "pad"), selection_info={"mode": mode, "seed": seed}, start=0.0
    )
    _finish_project(project)
    return {"clips": [str(c.pk) for c in clips], "selection_mode": mode, "seed": seed}
