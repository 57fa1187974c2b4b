"""One click's two halves: `one_click_start` (in the request: checks, project, job, budget) and
`one_click_run` (in the job: analyze, plan, render each variant, publish)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from costs.services import budget_reserve
from library import selection
from library.jobs.context import JobContext
from library.jobs.fanout import failures, failures_text
from library.jobs.registry import JobDeferred, JobError, Part, job_fan_out
from library.models import (
    Clip,
    ClipStatus,
    Job,
    JobOrigin,
    JobStatus,
    Project,
    ProjectStatus,
    Segment,
    SourceVideo,
    Transcript,
)
from library.presets import preset_get
from library.providers.errors import ProviderError
from library.services import analysis as analysis_services
from library.services.analysis import analysis_run
from library.services.generation import (
    analysis_brief,
    plans_check,
    plans_tighten,
    project_failed,
    project_finish,
    project_require,
    speech_for_cuts,
)
from library.services.jobs import job_create
from library.services.music import music_choice
from library.services.projects import project_create
from library.services.rendering import captions_check, tts_estimate
from library.services.transcripts import transcript_create
from library.services.voices import voice_check
from profiles.errors import Invalid
from publishing.jobs import publish_groups
from publishing.models import Publication
from publishing.services.publications import publication_create_rows_for_clips

logger = logging.getLogger(__name__)

# Where the job's progress goes: transcription (of a fresh upload) to 10 %, analysis up to 20 %,
# then the renders, then publishing's 10 %.
TRANSCRIBE_END = 0.1
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
    rotate: list[str] | None = None,
    layout: str = "auto",
    provider: str | None = None,
    broll: bool = False,
    publish: dict[str, Any] | None = None,
    music: dict[str, Any] | None = None,
    captions: str | None = None,
    tighten: bool = False,
    hook_text: str = "",
    hook_auto: bool = False,
    full_render: str = "all",
) -> Job:
    """Project -> variants -> voiceover + captions -> preset render (-> publish): one job. The
    whole estimate (paid analysis + paid voice for every variant) is reserved up front.
    `publish` is publishing's PublishSerializer data (JSON: the job's params keep it)."""
    if preset_get(preset) is None:
        raise Invalid({"preset": f"Unknown preset {preset!r}."})
    if full_render not in ("all", "selected"):
        raise Invalid({"full_render": "Must be 'all' or 'selected'."})
    if full_render == "selected" and publish:
        raise Invalid({"publish": "Only rendered clips are published: use full_render 'all' to publish."})
    voice_check(voice_id=voice_id)
    captions_check(captions=captions, script_text=script_text)
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
            "rotate": rotate or [],
            "provider": analyzer.name, "broll": broll, "publish": publish or None, "music": music,
            "captions": captions, "tighten": tighten, "hook_text": hook_text, "hook_auto": hook_auto,
            "full_render": full_render,
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
    """The one-click job: analyze, cut the variants, then one render job per variant (a fan-out:
    W workers render W variants at once); `one_click_join` publishes once they are done."""
    params = ctx.job.params
    publish = params.get("publish") or None
    render_end = 1.0 - PUBLISH_SHARE if publish else 1.0

    transcribed = _transcribe_first(ctx, video=video)
    ctx.step(TRANSCRIBE_END if transcribed else 0.0, ANALYSIS_END)
    analysis, cached = analysis_run(
        ctx=ctx, video=video, provider_name=params.get("provider"), context_text=params.get("context_text", "")
    )
    candidates = [selection.Candidate.of_segment(s) for s in Segment.objects.filter(analysis=analysis)] or [
        selection.Candidate(str(video.pk), 0.0, video.duration)
    ]
    target = min(float(params["target_duration"]), video.duration)
    count = int(params["variant_count"])
    speech = speech_for_cuts(video_ids=[str(video.pk)], context_text=params.get("context_text", ""))
    plans = selection.plan_variants(candidates, variant_count=count, target=target, mode="best", speech=speech)
    plans_check(plans=plans, target=target, variant_count=count, footage=sum(c.duration for c in candidates),
                slack=selection.SENTENCE_SLACK if speech else 0.0)  # fmt: skip
    removed: list[list[dict[str, Any]]] = [[] for _ in plans]
    if params.get("tighten"):
        plans, removed = plans_tighten(plans, video_ids=[str(video.pk)])

    clips = _variants_create(project=project, plans=plans, params=params, analysis_id=str(analysis.pk),
                             speech=bool(speech), removed=removed)  # fmt: skip
    state: dict[str, Any] = {
        "project": str(project.pk),
        "clips": [str(c.pk) for c in clips],
        "analysis": analysis_brief(analysis, cached=cached),
    }
    if transcribed:
        state["transcript"] = transcribed
    if params.get("tighten"):
        state["tightened"] = [{"clip": str(c.pk), "removed": r} for c, r in zip(clips, removed, strict=True)]
    render: dict[str, Any] = {k: params[k] for k in ("preset", "broll", "broll_seconds", "layout") if k in params}
    # Every variant's preview first (the parts are claimed in order), so the user can watch and
    # pick while the finals render; with full_render "selected" only the previews are made and
    # the user renders the ones they pick (clips/{id}/render/).
    if params.get("full_render") == "selected":
        kinds = ["clip-preview"]
    else:
        kinds = ["clip-preview", "render"] if settings.ONE_CLICK_PREVIEWS else ["render"]
    parts = [Part(kind, render, {"clip_id": c.pk, "project_id": project.pk}) for kind in kinds for c in clips]
    job_fan_out(parts, state=state, progress_to=render_end)


def one_click_join(ctx: JobContext, state: dict[str, Any], children: list[Job]) -> dict[str, Any]:
    """The renders are done (run by the last of them to end): the project is ready, and the
    variants that rendered are published. Parts that failed are listed in `failed` (their clips
    say why); the job fails when no final rendered, whatever the previews did."""
    project = project_require(state["project"])
    result: dict[str, Any] = dict(state)
    for kind, key in (("clip-preview", "previews"), ("render", "renders")):
        made = [c.result for c in children if c.kind == kind and c.status == JobStatus.SUCCEEDED]
        if any(c.kind == kind for c in children):
            result[key] = [
                {"clip": r["clip"], "duration": r["duration"], "fit": r.get("fit"), "captions": r.get("captions", "none")}
                for r in made
            ]  # fmt: skip
    if any(c.status != JobStatus.SUCCEEDED for c in children):
        result["failed"] = failures(children)
    finals = [c for c in children if c.kind == "render"]
    if finals and not any(c.status == JobStatus.SUCCEEDED for c in finals):  # previews alone are not the result
        raise JobError(failures_text(finals))
    project_finish(project=project)
    done = [c for c in finals if c.status == JobStatus.SUCCEEDED]
    publish = ctx.job.params.get("publish") or None
    if publish:
        ctx.step(1.0 - PUBLISH_SHARE, 1.0)
        rendered = {str(c.clip_id) for c in done}
        clips = sorted(Clip.objects.filter(pk__in=rendered), key=lambda clip: clip.variant_index)
        result["publications"] = _publish(ctx, clips=clips, publish=publish)
    return result


class _Within:
    """The job's context as a service running in one part of the job sees it: the service's own
    steps (0..1) map onto [start, end] of the whole job."""

    def __init__(self, ctx: JobContext, start: float, end: float) -> None:
        self._ctx, self._start, self._end = ctx, start, end

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    def step(self, start: float, end: float) -> _Within:
        span = self._end - self._start
        self._ctx.step(self._start + start * span, self._start + end * span)
        return self


def _transcribe_first(ctx: JobContext, *, video: SourceVideo) -> dict[str, Any] | None:
    """A fresh upload with sound and no transcript yet is transcribed here first (with
    EDITAI_AUTO_TRANSCRIBE), so that its variants are cut on what is said. A failed
    transcription leaves the cuts to the picture alone rather than failing the clips."""
    if not (settings.AUTO_TRANSCRIBE and video.has_audio) or Transcript.objects.filter(source_video=video).exists():
        return None
    try:
        transcript = transcript_create(
            ctx=cast(JobContext, _Within(ctx, 0.0, TRANSCRIBE_END)), video=video,
            context_text=ctx.job.params.get("context_text") or None,
        )  # fmt: skip
    except (JobError, ProviderError) as exc:
        logger.warning("one-click %s: transcription failed, cutting on the picture: %s", ctx.job.pk, exc)
        return {"error": str(exc)[:500]}
    return {"id": str(transcript.pk), "words": len(transcript.words), "reliable": transcript.reliable}


@transaction.atomic
def _variants_create(
    *,
    project: Project,
    plans: list[list[selection.Cut]],
    params: dict[str, Any],
    analysis_id: str,
    speech: bool = False,
    removed: list[list[dict[str, Any]]] | None = None,
) -> list[Clip]:
    """The variants as clips marked "rendering" (the final render makes their only file). Their
    `selection` keeps the caption source asked for (absent: automatic) and what tightening
    took out."""
    return [
        Clip.objects.create(
            project=project,
            variant_index=n + 1,
            cut_list=[c.as_dict() for c in cuts],
            layout=params.get("layout", "auto"),
            selection={
                "mode": "best",
                "analysis": analysis_id,
                "variant": n,
                "speech": speech,
                **({"captions": params["captions"]} if params.get("captions") else {}),
                **({"tighten": True, "tightened": removed[n] if removed else []} if params.get("tighten") else {}),
            },  # fmt: skip
            duration=round(selection.total(cuts), 3),
            script_text=params.get("script_text", ""),
            voice_id=params.get("voice_id", ""),
            caption_style=_variant_style(project, params, n),
            **music_choice(params.get("music")),
            hook_text=params.get("hook_text", ""),
            hook_auto=bool(params.get("hook_auto")),
            # with previews only, no final is on its way: the clip stays raw until the user renders it
            status=ClipStatus.RAW if params.get("full_render") == "selected" else ClipStatus.RENDERING,
        )
        for n, cuts in enumerate(plans)
    ]


def _variant_style(project: Project, params: dict[str, Any], n: int) -> dict[str, Any]:
    """Variant n's caption style: the one-click's (else the profile's), with the caption template
    `rotate` gives it (entry n mod len), so the variants look different."""
    style = dict(params.get("caption_style") or {})
    rotate = params.get("rotate") or []
    if rotate:
        style = {**(style or project.profile.caption_style), "preset": rotate[n % len(rotate)]}
    return style


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
