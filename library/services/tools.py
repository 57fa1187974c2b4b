"""The stand-alone video tools: input checks that need the video (times against its duration,
template fields), then one job per request (work: library/services/tool_runs.py), plus the synchronous
video-info probe."""

from __future__ import annotations

import logging
import math
import uuid
from typing import Any, cast

from django.db import transaction

from library import storage
from library.jobs.workspace import workspace
from library.media import titles
from library.media.ffmpeg import MediaError
from library.media.probe import probe
from library.models import Job, SourceVideo
from library.services.jobs import job_create
from library.services.rendering import tts_reserve_budget
from library.services.voices import tts_provider_name, voice_check
from profiles.errors import Invalid, Missing, Unusable
from profiles.tenancy import current_profile, current_profile_id

logger = logging.getLogger(__name__)

TIME_TOLERANCE = 0.001  # durations are stored to the millisecond
MAX_INTERVALS = 1000
DEFAULT_CARD_SECONDS = 4.0


class UnreadableMedia(Unusable):
    code = "unreadable_media"
    default_detail = "The stored video file cannot be read any more; upload it again."


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid({name: ["A finite number of seconds is required."]})
    return float(value)


def check_range(*, video: SourceVideo, start: object, end: object, prefix: str = "") -> tuple[float, float]:
    """[start, end] as floats, or a 400 saying what is wrong: negative, end not after start, or
    past the end of the video. `end` None means the end of the video."""
    start = _number(0.0 if start is None else start, f"{prefix}start")
    end = video.duration if end is None else _number(end, f"{prefix}end")
    errors: dict[str, list[str]] = {}
    if start < 0:
        errors[f"{prefix}start"] = ["Must not be negative."]
    elif start >= video.duration:
        errors[f"{prefix}start"] = [f"Must be before the end of the video ({video.duration:g} s)."]
    if end <= start:
        errors[f"{prefix}end"] = [f"Must be after start ({start:g} s)."]
    elif end > video.duration + TIME_TOLERANCE:
        errors[f"{prefix}end"] = [f"Is beyond the video's duration ({video.duration:g} s)."]
    if errors:
        raise Invalid(errors)
    return start, min(end, video.duration)


def video_info(*, video: SourceVideo) -> dict[str, Any]:
    """Probe the stored file now (ffprobe): streams, duration, rate, codecs, bit rate, rotation."""
    with workspace(current_profile_id(), uuid.uuid4()) as scratch:
        try:
            info = probe(storage.local_copy(cast(str, video.file.name), scratch / "source"))  # a stored video
        except (MediaError, OSError) as exc:
            logger.warning("video-info: stored file of %s unreadable: %s", video.pk, exc)
            raise UnreadableMedia() from None
    stream, audio = info.video, info.audio
    return {
        "source_video": str(video.pk),
        "container": info.format_name,
        "duration": info.duration,
        "size_bytes": info.size_bytes,
        "bit_rate": info.bit_rate,
        "width": stream.width if stream else None,
        "height": stream.height if stream else None,
        "fps": stream.fps if stream else None,
        "rotation": stream.rotation if stream else 0,
        "video_codec": stream.codec if stream else None,
        "audio_codec": audio.codec if audio else None,
        "sample_rate": audio.sample_rate if audio else None,
        "channels": audio.channels if audio else None,
        "has_audio": info.has_audio,
        "streams": info.as_dict()["streams"],
    }


def tool_trim_start(*, video: SourceVideo, start: object, end: object, mode: str) -> Job:
    start, end = check_range(video=video, start=start, end=end)
    return job_create(kind="tool-trim", source_video=video, params={"start": start, "end": end, "mode": mode})


def tool_concatenate_start(*, items: list[dict[str, Any]]) -> Job:
    """`items`: [{source_video: SourceVideo, start?, end?}]. Each piece's range is checked
    against its own video; errors name the item (items.2.end)."""
    pieces = []
    for n, item in enumerate(items):
        video = item["source_video"]
        start, end = check_range(video=video, start=item.get("start"), end=item.get("end"), prefix=f"items.{n}.")
        pieces.append({"source_video": str(video.pk), "start": start, "end": end})
    return job_create(kind="tool-concatenate", source_video=items[0]["source_video"], params={"items": pieces})


def tool_detect_voice_start(*, video: SourceVideo) -> Job:
    _require_audio(video)
    return job_create(kind="tool-detect-voice", source_video=video)


def _require_audio(video: SourceVideo) -> None:
    if not video.has_audio:
        raise Invalid({"source_video": ["This video has no audio track."]})


def tool_mute_voice_start(
    *, video: SourceVideo, mode: str, duck_db: float, intervals: list[dict[str, Any]] | None
) -> Job:
    _require_audio(video)
    checked = None
    if intervals is not None:
        if len(intervals) > MAX_INTERVALS:
            raise Invalid({"intervals": [f"At most {MAX_INTERVALS} intervals."]})
        checked = []
        for n, interval in enumerate(intervals):
            start, end = check_range(
                video=video, start=interval.get("start"), end=interval.get("end"), prefix=f"intervals.{n}."
            )
            checked.append({"start": start, "end": end})
    params = {"mode": mode, "duck_db": duck_db, "intervals": checked}
    return job_create(kind="tool-mute-voice", source_video=video, params=params)


@transaction.atomic
def tool_add_voiceover_start(*, videos: list[SourceVideo], text: str, voice_id: str, duck_db: float) -> Job:
    """One job: the speech is synthesised once and mixed into every video. ElevenLabs speech
    reserves its estimated cost first (402 over the budget, and then no job exists)."""
    profile = current_profile()
    provider = tts_provider_name(profile)
    voice_check(voice_id=voice_id, provider=provider, field="voice")
    params = {
        "source_videos": [str(v.pk) for v in videos], "text": text, "provider": provider,
        "voice_id": voice_id or getattr(profile, "tts_voice_id", "") or "", "duck_db": duck_db,
    }  # fmt: skip
    job = job_create(kind="tool-add-voiceover", source_video=videos[0], params=params)
    tts_reserve_budget(job_id=job.pk, characters=len(text), provider=provider)
    return job


def template_get(name: str) -> titles.Template:
    template = titles.TEMPLATES.get(name)
    if template is None:
        raise Missing(f"No title-card template {name!r}; there are: {', '.join(titles.TEMPLATES)}.")
    return template


def tool_title_card_start(
    *,
    template: titles.Template,
    video: SourceVideo,
    fields: dict[str, Any],
    aspect: str = "",
    start: object = None,
    duration: object = None,
) -> Job:
    try:
        cleaned = titles.clean_fields(template, fields)
    except titles.FieldErrors as exc:
        raise Invalid({"fields": exc.errors}) from None
    start = _number(0.0 if start is None else start, "start")
    if duration is None:
        duration = min(DEFAULT_CARD_SECONDS, max(video.duration - start, 0.0))
    duration = _number(duration, "duration")
    if duration <= 0:
        raise Invalid({"duration": ["Must be more than 0 seconds."]})
    check_range(video=video, start=start, end=video.duration)  # start within the video
    if start + duration > video.duration + TIME_TOLERANCE:
        raise Invalid({"duration": [f"start + duration is beyond the video's duration ({video.duration:g} s)."]})
    params = {
        "template": template.name, "fields": cleaned, "aspect": aspect, "start": start, "duration": duration,
    }  # fmt: skip
    return job_create(kind="tool-title-card", source_video=video, params=params)
