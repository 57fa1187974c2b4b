"""Job kinds of the media library. Other modules register theirs with @job_kind."""

from __future__ import annotations

from typing import Any

from library.jobs.registry import JobError, job_kind
from library.jobs.runner import JobContext
from library.media import builders
from library.models import SourceVideo


def _source(ctx: JobContext) -> SourceVideo:
    video = SourceVideo.objects.filter(pk=ctx.job.source_video_id).first() if ctx.job.source_video_id else None
    if video is None:
        raise JobError("The job's source video was deleted.")
    return video


@job_kind("preview")
def make_preview(ctx: JobContext) -> dict[str, Any]:
    """A small H.264 rendition of a source video, downloadable from the job."""
    video = _source(ctx)
    height = int(ctx.job.params.get("height", 360))
    out = ctx.workspace / "preview.mp4"
    ctx.ffmpeg(
        builders.preview(ctx.input_path(video.file.name), out, height=height, has_audio=video.has_audio),
        duration=video.duration,
    )
    ctx.set_output(out, f"{video.name[:80]}-preview.mp4")
    return {"height": height, "size_bytes": out.stat().st_size}
