"""The library's job kinds: thin handlers over its services.

Where job kinds live: each app registers its kinds with `@job_kind` in its own `handlers`
module (this one, imported by LibraryConfig.ready()); compositions across apps register theirs
in `editai/`. A handler only loads the job's row with `job_row`, calls ONE service with it and
the job's params, and returns that service's result (the job's JSON result). The work, and the
on_failure hooks, live in the services (library/services/generation.py, final_render.py,
tool_runs.py, speech.py, videos.py); the engine (library/jobs/) knows neither.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from library.jobs.context import JobContext, job_row
from library.jobs.registry import job_kind
from library.models import Clip, Project, SourceVideo
from library.services import final_render, generation, speech, tool_runs, transcripts, videos
from profiles.models import Profile

Result = dict[str, Any]
VIDEO_GONE = "The source video was deleted."


def _video(ctx: JobContext, missing: str = VIDEO_GONE) -> SourceVideo:
    return job_row(ctx, SourceVideo, "source_video_id", missing=missing)


def _tool_video(ctx: JobContext) -> SourceVideo:
    return _video(ctx, tool_runs.videos_missing_error([str(ctx.job.source_video_id)]))


def _project(ctx: JobContext) -> Project:
    return job_row(ctx, Project, "project_id", missing="The project was deleted.")


@job_kind("preview")
def preview(ctx: JobContext) -> Result:
    video = _video(ctx, "The job's source video was deleted.")
    return videos.source_video_preview(ctx, video=video, height=int(ctx.job.params.get("height", 360)))


@job_kind("analyze")
def analyze(ctx: JobContext) -> Result:
    return generation.video_analyze(ctx, video=_video(ctx), params=ctx.job.params)


@job_kind("generate", on_failure=generation.project_failed, join=generation.variants_join)
def generate(ctx: JobContext) -> Result:
    project = _project(ctx)
    generation.project_generate(ctx, project=project, video=_video(ctx), params=ctx.job.params)


@job_kind("generate-from-segments", on_failure=generation.project_failed, join=generation.variants_join)
def generate_from_segments(ctx: JobContext) -> Result:
    generation.project_generate_from_segments(ctx, project=_project(ctx), params=ctx.job.params)


@job_kind("variant")
def variant(ctx: JobContext) -> Result:
    return generation.variant_render(ctx, project=_project(ctx), params=ctx.job.params)


@job_kind("render", on_failure=final_render.clip_failed)
def render(ctx: JobContext) -> Result:
    clip = job_row(ctx, Clip, "clip_id", missing="The clip was deleted.")
    return final_render.clip_render(ctx, clip=clip, options=final_render.RenderOptions.from_params(ctx.job.params))


@job_kind("clip-preview")
def clip_preview(ctx: JobContext) -> Result:
    clip = job_row(ctx, Clip, "clip_id", missing="The clip was deleted.")
    options = replace(final_render.RenderOptions.from_params(ctx.job.params), preview=True)
    return final_render.clip_render(ctx, clip=clip, options=options)


@job_kind("bulk-render", on_failure=final_render.clip_failed, join=final_render.clips_render_join)
def bulk_render(ctx: JobContext) -> Result:
    final_render.RenderOptions.from_params(ctx.job.params)  # a bad params set fails here, not N times
    final_render.clips_render(clip_ids=ctx.job.params["clips"], params=ctx.job.params)


@job_kind("transcribe")
def transcribe(ctx: JobContext) -> Result:
    params = ctx.job.params
    transcript = transcripts.transcript_create(
        ctx=ctx, video=_video(ctx), provider=params.get("provider"), language=params.get("language"),
        context_text=params.get("context_text"),
    )  # fmt: skip
    return transcripts.transcript_result(transcript)


@job_kind("tts")
def tts(ctx: JobContext) -> Result:
    profile = Profile.objects.get(pk=ctx.job.profile_id)
    return speech.speech_job_run(ctx, profile=profile, params=ctx.job.params)


@job_kind("tool-trim")
def tool_trim(ctx: JobContext) -> Result:
    return tool_runs.video_trim(ctx, video=_tool_video(ctx), params=ctx.job.params)


@job_kind("tool-concatenate")
def tool_concatenate(ctx: JobContext) -> Result:
    return tool_runs.videos_concatenate(ctx, items=ctx.job.params["items"])


@job_kind("tool-detect-voice")
def tool_detect_voice(ctx: JobContext) -> Result:
    return tool_runs.video_voice_detect(ctx, video=_tool_video(ctx))


@job_kind("tool-mute-voice")
def tool_mute_voice(ctx: JobContext) -> Result:
    return tool_runs.video_voice_mute(ctx, video=_tool_video(ctx), params=ctx.job.params)


@job_kind("tool-add-voiceover")
def tool_add_voiceover(ctx: JobContext) -> Result:
    return tool_runs.videos_voiceover_add(ctx, params=ctx.job.params)


@job_kind("tool-title-card")
def tool_title_card(ctx: JobContext) -> Result:
    return tool_runs.video_title_card(ctx, video=_tool_video(ctx), params=ctx.job.params)
