"""The profile's music library: beds uploaded (validated by probing), renamed, deleted; and a
clip's sound before its render (its bed, the loudness pass)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction

from library import storage
from library.jobs.context import JobContext
from library.jobs.workspace import workspace
from library.media import ffmpeg as ff
from library.media.loudness import loudness_pass
from library.media.probe import AUDIO_CONTAINERS, SourceTooLarge, probe_audio
from library.media.render import Music, RenderSpec
from library.models import Clip, MusicTrack
from profiles.common import model_update
from profiles.tenancy import current_profile_id

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

DEFAULT_VOLUME_DB = -18.0  # the bed's loudness under the voice's


class MusicTooLarge(SourceTooLarge):
    """Over the music library's byte limit (the API's 413)."""


def _copy(upload: File[bytes], dest: Path) -> int:
    size = 0
    with dest.open("wb") as out:
        for chunk in upload.chunks(chunk_size=1024 * 1024):
            size += len(chunk)
            if size > settings.MUSIC_MAX_BYTES:
                raise MusicTooLarge(
                    f"the file is larger than the {settings.MUSIC_MAX_BYTES} bytes a music track may be"
                )
            out.write(chunk)
    return size


def music_track_create(*, upload: File[bytes], name: str = "") -> MusicTrack:
    """Probe an uploaded file as an mp3/m4a/wav/ogg with sound and store it under a generated
    name. NotAudio (or SourceTooLarge: too long, MusicTooLarge: too many bytes) otherwise,
    leaving no row and no file behind."""
    profile_id = current_profile_id()
    track_id = uuid.uuid4()
    with workspace(profile_id, uuid.uuid4()) as scratch:
        local = scratch / "music"
        size = _copy(upload, local)
        info = probe_audio(local, max_seconds=settings.MUSIC_MAX_SECONDS)
        audio = info.audio
        assert audio is not None  # probe_audio guarantees it
        stored = storage.store_file(local, f"{profile_id}/music/{track_id}.{AUDIO_CONTAINERS[info.format_name]}")
        try:
            with transaction.atomic():
                track = MusicTrack(
                    id=track_id,
                    name=(name.strip() or Path(upload.name or "").stem.strip() or "Untitled track")[:255],
                    original_name=Path(upload.name or "").name[:255],
                    file=stored,
                    size_bytes=size,
                    duration=info.duration,
                    codec=audio.codec[:50],
                    sample_rate=audio.sample_rate,
                    channels=audio.channels,
                    container=info.format_name[:100],
                )
                track.full_clean()
                track.save()
        except BaseException:
            storage.delete_stored(stored)
            raise
    return track


@transaction.atomic
def music_track_update(*, track: MusicTrack, name: str) -> MusicTrack:
    return model_update(instance=track, fields=("name",), data={"name": name.strip()[:255]})


@transaction.atomic
def music_track_delete(*, track: MusicTrack) -> None:
    """The row (clips that used it render without a bed from now on) and, after commit, its file."""
    name = track.file.name
    track.delete()
    transaction.on_commit(lambda: storage.delete_stored(name))


def clip_sound(
    ctx: JobContext, *, clip: Clip, spec: RenderSpec, folder: Path, measure: bool = True
) -> tuple[RenderSpec, dict[str, Any]]:
    """The final render's sound before its one video pass: the clip's music bed (if its track
    still exists) and the loudness pass (mixed alone, measured, the gain to the target), in
    the job's workspace. Returns the spec to render and what was measured. Without `measure`
    (a preview) only the bed's level is measured (a fraction of a second); the render's own
    loudnorm then estimates the loudness in its one pass."""
    track = MusicTrack.objects.filter(pk=clip.music_track_id).first() if clip.music_track_id else None
    info: dict[str, Any] = {}
    if track is not None:
        spec = replace(spec, music=Music(ctx.input_path(track.file.name), channels=track.channels or 2))
        info["music"] = {"track": str(track.pk), "name": track.name, "volume_db": clip.music_volume_db}
    length = spec.output_duration + spec.extend_audio

    def run(graph: Stream) -> None:
        ctx.check_cancelled()  # each audio pass lasts a second or two: checked between them
        ff.run(graph, timeout=ff.timeout_for(length))

    spec, measured = loudness_pass(spec, folder, run, music_volume_db=clip.music_volume_db if track else None,
                                   measure=measure)  # fmt: skip
    return spec, {**info, **measured}


def music_choice(choice: dict[str, Any] | None) -> dict[str, Any]:
    """A clip's bed fields from a validated `music` choice ({track, volume_db}; None: none).
    `track` may be a row or an id kept in a job's params (a track deleted since: none)."""
    if not choice:
        return {"music_track": None, "music_volume_db": DEFAULT_VOLUME_DB}
    track = choice.get("track")
    if not isinstance(track, MusicTrack):
        track = MusicTrack.objects.filter(pk=track).first() if track else None
    return {"music_track": track, "music_volume_db": float(choice.get("volume_db", DEFAULT_VOLUME_DB))}
