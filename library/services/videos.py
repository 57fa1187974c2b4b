"""Source videos: upload (validated by probing), edit, delete."""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction

from library import storage
from library.jobs.context import JobContext
from library.jobs.workspace import workspace
from library.media import builders
from library.media import ffmpeg as ff
from library.media.probe import NotAVideo, probe_video
from library.models import SourceVideo
from library.services import transcripts
from profiles.common import model_update
from profiles.tenancy import current_profile_id

logger = logging.getLogger(__name__)


def _display_name(original: str) -> str:
    stem = Path(original).stem.strip() if original else ""
    return (stem or "Untitled video")[:255]


def _copy_and_hash(upload: File[bytes], dest: Path) -> str:
    digest = hashlib.sha256()
    with dest.open("wb") as out:
        for chunk in upload.chunks(chunk_size=1024 * 1024):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def source_video_create(*, upload: File[bytes], name: str = "", description: str = "") -> SourceVideo:
    """Validate an uploaded file as a decodable video and store it under a generated name.
    Anything else raises NotAVideo (SourceTooLarge over the install's length or picture size
    limits), leaving no row and no file behind."""
    profile_id = current_profile_id()
    video_id = uuid.uuid4()
    stored: list[str] = []
    # Scratch space in the profile's temp folder, removed on every path (sweepable if we die).
    with workspace(profile_id, uuid.uuid4()) as scratch:
        local = scratch / "source"
        sha256 = _copy_and_hash(upload, local)
        info = probe_video(local, max_seconds=settings.MAX_SOURCE_SECONDS, max_pixels=settings.MAX_SOURCE_PIXELS)
        thumb = scratch / "thumbnail.jpg"
        try:
            ff.run(builders.thumbnail(local, thumb, at=min(1.0, info.duration / 10)), timeout=ff.timeout_for(10))
        except ff.MediaError as exc:
            raise NotAVideo("no picture could be decoded from the file", stderr_tail=exc.stderr_tail) from None
        if not thumb.exists() or thumb.stat().st_size == 0:
            raise NotAVideo("no picture could be decoded from the file")
        base = f"{profile_id}/videos/{video_id}"
        try:
            stored.append(storage.store_file(local, f"{base}.{info.extension}"))
            stored.append(storage.store_file(thumb, f"{base}.jpg"))
            video, audio = info.video, info.audio
            assert video is not None  # probe_video guarantees it
            with transaction.atomic():
                row = SourceVideo(
                    id=video_id,
                    name=(name.strip() or _display_name(upload.name or ""))[:255],
                    description=description,
                    original_name=Path(upload.name or "").name[:255],
                    file=stored[0],
                    thumbnail=stored[1],
                    sha256=sha256,
                    size_bytes=local.stat().st_size,
                    duration=info.duration,
                    width=video.width or 0,
                    height=video.height or 0,
                    fps=video.fps,
                    video_codec=video.codec,
                    audio_codec=audio.codec if audio else "",
                    has_audio=audio is not None,
                    bit_rate=info.bit_rate,
                    rotation=video.rotation,
                    container=info.format_name[:100],
                )
                row.full_clean()
                row.save()
                transcripts.transcript_auto_start(video=row)  # a job, sent once this commits
        except BaseException:
            storage.delete_stored(*stored)
            raise
    return row


@transaction.atomic
def source_video_update(*, video: SourceVideo, data: dict[str, Any]) -> SourceVideo:
    return model_update(instance=video, fields=("name", "description"), data=data)


@transaction.atomic
def source_video_delete(*, video: SourceVideo) -> None:
    names = [video.file.name, video.thumbnail.name]
    video.delete()
    transaction.on_commit(lambda: storage.delete_stored(*names))


def source_video_preview(ctx: JobContext, *, video: SourceVideo, height: int) -> dict[str, Any]:
    """The "preview" job: a small H.264 rendition of the video, downloadable from the job."""
    out = ctx.workspace / "preview.mp4"
    ctx.ffmpeg(
        builders.preview(ctx.input_path(video.file.name), out, height=height, has_audio=video.has_audio),
        duration=video.duration,
    )
    ctx.set_output(out, f"{video.name[:80]}-preview.mp4")
    return {"height": height, "size_bytes": out.stat().st_size}
