"""Turning footage into raw 9:16 variants of a project: analyze a video, plan the variants'
cuts, render each once with its original audio. Runs inside a job (`ctx`); the job kinds
(library.handlers) load the rows and call these. The one-click composition uses the pieces
too (`source_video_require`, `project_require`, `plans_check`, `project_failed`,
`project_finish`, `analysis_brief`, `speech_for_cuts`, `plans_tighten`). Where a source has a
usable transcript, cuts follow its sentences (library.selection.Speech)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max

from library import keywords, selection, storage, timeline
from library.jobs.context import JobContext
from library.jobs.fanout import failures
from library.jobs.registry import JobError, Part, job_fan_out
from library.media.graphs.encode import Encoding
from library.media.graphs.pieces import Piece
from library.media.render import RenderSpec, render_graph
from library.models import (
    Clip,
    ClipStatus,
    Job,
    JobStatus,
    Project,
    ProjectSegment,
    ProjectStatus,
    Segment,
    SourceVideo,
    Transcript,
    VideoAnalysis,
)
from library.selectors import transcripts_usable
from library.services.analysis import analysis_run, analysis_summary
from library.services.reframe import framing_plan


def source_video_require(video_id: UUID | str | None) -> SourceVideo:
    """The source video a running job uses, in its scope; JobError if it was deleted."""
    video: SourceVideo | None = SourceVideo.objects.filter(pk=video_id).first() if video_id else None
    if video is None:
        raise JobError("The source video was deleted.")
    return video


def project_require(project_id: UUID | str | None) -> Project:
    """The project a running job generates into; JobError if it was deleted."""
    project: Project | None = Project.objects.filter(pk=project_id).first() if project_id else None
    if project is None:
        raise JobError("The project was deleted.")
    return project


def project_failed(job: Job, error: str) -> None:
    """on_failure hook: a failed or cancelled generation leaves the project saying why."""
    if job.project_id:
        Project.objects.filter(pk=job.project_id, status=ProjectStatus.GENERATING).update(
            status=ProjectStatus.FAILED, status_reason=error[:2000]
        )


def project_finish(*, project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.READY, status_reason="")


def analysis_brief(analysis: VideoAnalysis, *, cached: bool) -> dict[str, Any]:
    """How a generation's result names the analysis it used (the analyze job's result is
    library.services.analysis.analysis_summary)."""
    return {"id": str(analysis.pk), "provider": analysis.provider, "cached": cached, "notes": analysis.notes}


def spoken_words(transcripts: dict[str, Transcript]) -> dict[str, list[keywords.TimedWord]]:
    """Each transcript's words, timed in its video's seconds, in order."""
    return {
        video: sorted(
            (keywords.TimedWord(str(w["text"]), float(w["start"]), float(w["end"])) for w in t.words),
            key=lambda w: w.start,
        )
        for video, t in transcripts.items()
    }


def speech_for_cuts(*, video_ids: list[str], context_text: str) -> dict[str, selection.Speech]:
    """What the planner needs to cut the videos on what is said (the ones with a usable
    transcript): word and sentence times, each sentence's hooks (product keywords from
    `context_text`, a question, a number), and the margin kept around words."""
    context = keywords.context_words(context_text)
    speech = {}
    for video, transcript in transcripts_usable(video_ids=video_ids).items():
        sentences = tuple(
            selection.Sentence(float(s["start"]), float(s["end"]), keywords.sentence_hooks(str(s["text"]), context)[0])
            for s in transcript.sentences
        )
        words = tuple((float(w["start"]), float(w["end"])) for w in transcript.words)
        speech[video] = selection.Speech(words=words, sentences=sentences, margin=settings.WORD_MARGIN)
    return speech


def plans_tighten(
    plans: list[list[selection.Cut]], *, video_ids: list[str]
) -> tuple[list[list[selection.Cut]], list[list[dict[str, Any]]]]:
    """Each plan with its pauses and filler words taken out, and what was taken out of each."""
    words = spoken_words(transcripts_usable(video_ids=video_ids))
    done = [timeline.tighten(cuts, words, pause=settings.TIGHTEN_PAUSE, margin=settings.WORD_MARGIN) for cuts in plans]
    return [cuts for cuts, _ in done], [removed for _, removed in done]


def plans_check(
    *, plans: list[list[selection.Cut]], target: float, variant_count: int, footage: float, slack: float = 0.0
) -> None:
    """JobError, with what to change, when the footage cannot fill every variant. `slack`: the
    share a variant cut on sentences may fall short of its target."""
    if len(plans) < variant_count or any(not cuts for cuts in plans):
        raise JobError("Not enough usable footage to cut the variants.")
    floor = min(target - 1.0, target * (1 - slack))
    short = [selection.total(cuts) for cuts in plans if selection.total(cuts) < floor]
    if short:
        raise JobError(
            f"Only {min(short):.1f} s of usable footage for a {target:.1f} s target "
            f"({footage:.1f} s found); lower target_duration or add footage."
        )


def video_analyze(ctx: JobContext, *, video: SourceVideo, params: dict[str, Any]) -> dict[str, Any]:
    """The "analyze" job: the video's scored segments (cached per provider and context)."""
    analysis, cached = analysis_run(
        ctx=ctx, video=video, provider_name=params.get("provider"), context_text=params.get("context_text", "")
    )
    return analysis_summary(analysis=analysis, cached=cached)


class SourceInputs:
    """Local paths of the source videos a job renders from, fetched once each."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.videos: dict[str, tuple[Path, SourceVideo]] = {}

    def piece(self, cut: selection.Cut) -> Piece:
        if cut.source_video not in self.videos:
            video = source_video_require(cut.source_video)
            self.videos[cut.source_video] = (self.ctx.input_path(video.file.name), video)
        path, video = self.videos[cut.source_video]
        return Piece(path=path, start=cut.start, end=min(cut.end, video.duration), has_audio=video.has_audio)


def variants_render(
    *,
    project: Project,
    plans: list[list[selection.Cut]],
    layout: str,
    selection_info: dict[str, Any],
    per_variant: list[dict[str, Any]] | None = None,
    state: dict[str, Any] | None = None,
) -> NoReturn:
    """One "variant" job per cut list (a fan-out: W workers render W variants at once), each
    rendering it to 1080x1920 with its original audio and a thumbnail, as a raw Clip of the
    project (`per_variant`: more of each one's selection info). `variants_join` ends it."""
    first_index = (Clip.objects.filter(project=project).aggregate(m=Max("variant_index"))["m"] or 0) + 1
    parts = [
        Part("variant", {"cuts": [cut.as_dict() for cut in cuts], "layout": layout, "variant_index": first_index + n,
                         "selection": {**selection_info, "variant": n, **(per_variant[n] if per_variant else {})}},
             {"project_id": project.pk})
        for n, cuts in enumerate(plans)
    ]  # fmt: skip
    job_fan_out(parts, state=state or {})


def variant_render(ctx: JobContext, *, project: Project, params: dict[str, Any]) -> dict[str, Any]:
    """The "variant" job: one raw variant of a generation (see `variants_render`)."""
    cuts = [selection.Cut(c["source_video"], float(c["start"]), float(c["end"]), c.get("segment"))
            for c in params["cuts"]]  # fmt: skip
    layout = str(params.get("layout") or "pad")
    inputs = SourceInputs(ctx)
    thumbnail = ctx.workspace / "thumbnail.jpg"
    raw = Encoding()  # the raw variants' size
    framing = framing_plan(layout=layout, cuts=cuts, inputs=inputs, width=raw.width, height=raw.height)
    spec = RenderSpec(pieces=framing.pieces, output=ctx.workspace / "raw.mp4", thumbnail=thumbnail, layout=framing.mode)
    ctx.ffmpeg(render_graph(spec), duration=spec.output_duration)
    clip = Clip(
        project=project,
        variant_index=int(params["variant_index"]),
        cut_list=[cut.as_dict() for cut in cuts],
        layout=layout,
        selection=params.get("selection") or {},
        duration=round(spec.output_duration, 3),
        render_info=framing.info(),
        status=ClipStatus.RAW,
    )
    base = f"{ctx.job.profile_id}/clips/{clip.pk}"
    stored = [
        storage.store_file(spec.output, f"{base}/raw.mp4"),
        storage.store_file(thumbnail, f"{base}/thumbnail.jpg"),
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
    return {"clip": str(clip.pk)}


def variants_join(ctx: JobContext, state: dict[str, Any], children: list[Job]) -> dict[str, Any]:
    """A generation's variants are rendered: the project is ready; its result lists the clips in
    the variants' order, and the variants that failed."""
    project_finish(project=project_require(ctx.job.project_id))
    result: dict[str, Any] = {**state, "clips": [c.result["clip"] for c in children if c.status == JobStatus.SUCCEEDED]}
    if len(result["clips"]) < len(children):
        result["failed"] = failures(children)
    return result


def project_generate(ctx: JobContext, *, project: Project, video: SourceVideo, params: dict[str, Any]) -> NoReturn:
    """The "generate" job: analyze the video, cut the best-scored footage into variants."""
    target = min(float(params["target_duration"]), video.duration)
    ctx.step(0.0, 0.3)
    analysis, cached = analysis_run(
        ctx=ctx, video=video, provider_name=params.get("provider"), context_text=params.get("context_text", "")
    )
    candidates = [selection.Candidate.of_segment(s) for s in Segment.objects.filter(analysis=analysis)]
    if not candidates:  # nothing scored (a static video): use the whole video, evenly
        candidates = [selection.Candidate(str(video.pk), 0.0, video.duration)]
    count = int(params["variant_count"])
    videos = [str(video.pk)]
    speech = speech_for_cuts(video_ids=videos, context_text=params.get("context_text", ""))
    plans = selection.plan_variants(candidates, variant_count=count, target=target, mode="best", speech=speech)
    plans_check(plans=plans, target=target, variant_count=count, footage=sum(c.duration for c in candidates),
                slack=selection.SENTENCE_SLACK if speech else 0.0)  # fmt: skip
    per_variant = None
    if params.get("tighten"):
        plans, removed = plans_tighten(plans, video_ids=videos)
        per_variant = [{"tightened": r} for r in removed]
    variants_render(
        project=project, plans=plans, layout=params.get("layout", "pad"),
        selection_info={"mode": "best", "analysis": str(analysis.pk), "speech": bool(speech),
                        "tighten": bool(params.get("tighten"))},
        per_variant=per_variant, state={"analysis": analysis_brief(analysis, cached=cached)},
    )  # fmt: skip


def project_generate_from_segments(ctx: JobContext, *, project: Project, params: dict[str, Any]) -> NoReturn:
    """The "generate-from-segments" job: variants cut from the segments assigned to the project."""
    assigned = list(
        ProjectSegment.objects.filter(project=project)
        .select_related("segment", "segment__source_video")
        .order_by("position")
    )
    if not assigned:
        raise JobError("The project has no segments assigned.")
    candidates = [selection.Candidate.of_segment(a.segment) for a in assigned]
    footage = sum(c.duration for c in candidates)
    target = min(float(params["target_duration"]), footage)
    mode, seed, count = params["selection_mode"], int(params["seed"]), int(params["variant_count"])
    plans = selection.plan_variants(candidates, variant_count=count, target=target, mode=mode, seed=seed)
    plans_check(plans=plans, target=target, variant_count=count, footage=footage)
    variants_render(
        project=project, plans=plans, layout=params.get("layout", "pad"),
        selection_info={"mode": mode, "seed": seed}, state={"selection_mode": mode, "seed": seed},
    )  # fmt: skip
