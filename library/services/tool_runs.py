"""The work of the stand-alone video tools (/api/v1/tools/): trim, concatenate, detect and mute
voice, add a voiceover, render a title card. Each runs inside its job (`ctx`; the kinds are in
library.handlers). Inputs are the job's profile's source videos; the parameters were checked by
library.services.tools when the job was created."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from library.jobs.context import JobContext
from library.jobs.registry import JobError
from library.media import editing, titles, voice
from library.media.graphs.pieces import Piece
from library.media.probe import MediaInfo, keyframe_at_or_before, probe
from library.models import SourceVideo
from library.services.speech import speech_synthesize
from profiles.models import Profile

PREVIEW_HEIGHT = 240
PREVIEW_SECONDS = 15.0
CARD_SIZES = {"16:9": (1280, 720), "9:16": (720, 1280)}


def videos_missing_error(ids: list[str]) -> str:
    return f"Source video(s) deleted since the job was created: {', '.join(ids)}."


def _videos(ids: list[str]) -> list[SourceVideo]:
    found = {str(v.pk): v for v in SourceVideo.objects.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise JobError(videos_missing_error(missing))
    return [found[pk] for pk in ids]


def _name(video: SourceVideo, suffix: str, extension: str) -> str:
    return f"{slugify(video.name)[:60] or 'video'}-{suffix}.{extension}"


def _extension(video: SourceVideo) -> str:
    return editing.container_for(Path(video.file.name or "").suffix.lstrip(".").lower())


def _summary(info: MediaInfo) -> dict[str, Any]:
    stream = info.video
    return {
        "duration": info.duration,
        "size_bytes": info.size_bytes,
        "width": stream.width if stream else None,
        "height": stream.height if stream else None,
        "video_codec": stream.codec if stream else None,
        "audio_codec": info.audio.codec if info.audio else None,
    }


def video_trim(ctx: JobContext, *, video: SourceVideo, params: dict[str, Any]) -> dict[str, Any]:
    """fast: stream copy from the keyframe at or before `start`; precise: re-encode to the exact
    frames; preview: a quick low-resolution re-encode of (at most) the first 15 s."""
    start, end, mode = float(params["start"]), float(params["end"]), params["mode"]
    src = ctx.input_path(video.file.name)
    result: dict[str, Any] = {"mode": mode, "requested_start": start, "requested_end": end}
    if mode == "fast":
        start = keyframe_at_or_before(src, start)
        extension = _extension(video)
        out = ctx.workspace / f"trim.{extension}"
        stream = editing.trim_copy(src, out, start=start, duration=end - start, container=extension)
    else:
        extension = "mp4"
        out = ctx.workspace / "trim.mp4"
        if mode == "preview" and end - start > PREVIEW_SECONDS:
            end, result["truncated_to_seconds"] = start + PREVIEW_SECONDS, PREVIEW_SECONDS
        preview = mode == "preview"
        stream = editing.trim_encode(
            src, out, start=start, duration=end - start, has_audio=video.has_audio,
            height=min(PREVIEW_HEIGHT, video.height) // 2 * 2 if preview else None,
            preset="ultrafast" if preview else "veryfast", crf=32 if preview else 20,
        )  # fmt: skip
    written = ctx.ffmpeg(stream, duration=end - start).out_time
    ctx.set_output(out, _name(video, f"trim-{mode}", extension))
    if mode == "fast":  # the streams are the source's: no need to probe (fast stays fast)
        summary: dict[str, Any] = {
            "duration": round(written, 3), "size_bytes": out.stat().st_size, "width": video.width,
            "height": video.height, "video_codec": video.video_codec, "audio_codec": video.audio_codec or None,
        }  # fmt: skip
    else:
        summary = _summary(probe(out))
    return {
        **result, "actual_start": round(start, 3), "actual_end": round(start + summary["duration"], 3),
        "reencoded": mode != "fast", "container": extension, **summary,
    }  # fmt: skip


def _channels(info: MediaInfo, default: int) -> int:
    return (info.audio.channels or default) if info.audio else default


def _copy_blocker(infos: list[MediaInfo], items: list[dict[str, Any]], sources: list[Path]) -> str:
    """Why the concat demuxer cannot join these pieces by stream copy ('' when it can)."""

    def video_key(info: MediaInfo) -> tuple[Any, ...]:
        v = info.video
        return (v.codec, v.width, v.height, v.fps, v.rotation) if v else ()

    def audio_key(info: MediaInfo) -> tuple[Any, ...]:
        a = info.audio
        return (a.codec, a.sample_rate, a.channels) if a else ()

    first = infos[0]
    for n, info in enumerate(infos[1:], start=2):
        if video_key(info) != video_key(first):
            return f"item {n}'s video ({_describe_video(info)}) differs from item 1's ({_describe_video(first)})"
        if audio_key(info) != audio_key(first):
            return f"item {n}'s audio ({_describe_audio(info)}) differs from item 1's ({_describe_audio(first)})"
    for n, (item, src) in enumerate(zip(items, sources, strict=True), start=1):
        start = float(item["start"])
        if start > 0 and abs(keyframe_at_or_before(src, start) - start) > 0.001:
            return f"item {n} starts between keyframes (at {start:g} s), which needs a re-encode"
    return ""


def _describe_video(info: MediaInfo) -> str:
    v = info.video
    return f"{v.codec} {v.width}x{v.height} {v.fps:g} fps" if v and v.fps else (f"{v.codec}" if v else "none")


def _describe_audio(info: MediaInfo) -> str:
    a = info.audio
    return f"{a.codec} {a.sample_rate} Hz {a.channels} ch" if a else "no audio"


def videos_concatenate(ctx: JobContext, *, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Join pieces end to end: the concat demuxer with stream copy when every stream matches,
    else one re-encoding pass through the concat filter at the first item's size and rate."""
    videos = _videos([item["source_video"] for item in items])
    sources = [ctx.input_path(v.file.name) for v in videos]
    infos = [probe(src) for src in sources]
    pieces = [
        Piece(
            path=src, start=float(item["start"]), end=float(item["end"]),
            has_audio=info.has_audio, trimmed_end=float(item["end"]) < video.duration - 0.001,
            channels=_channels(info, 2),
        )
        for item, src, info, video in zip(items, sources, infos, videos, strict=True)
    ]  # fmt: skip
    total = sum(p.duration for p in pieces)
    blocker = _copy_blocker(infos, items, sources)
    if not blocker:
        extension = _extension(videos[0])
        out = ctx.workspace / f"concat.{extension}"
        listing = ctx.workspace / "pieces.ffconcat"
        editing.write_concat_list(pieces, listing)
        ctx.ffmpeg(editing.concat_copy(listing, out, container=extension), duration=total)
    else:
        first = infos[0].video
        assert first is not None and first.width and first.height  # the probe found a picture
        width, height = (first.height, first.width) if first.rotation in (90, 270) else (first.width, first.height)
        extension, out = "mp4", ctx.workspace / "concat.mp4"
        stream = editing.concat_filter(pieces, out, width=width // 2 * 2, height=height // 2 * 2, fps=first.fps or 30)
        ctx.ffmpeg(stream, duration=total)
    ctx.set_output(out, _name(videos[0], "concat", extension))
    info = probe(out)
    return {
        "path": "filter" if blocker else "copy",
        "reason": blocker or "every stream matches: joined by stream copy (concat demuxer)",
        "items": len(pieces), "expected_duration": round(total, 3), "container": extension, **_summary(info),
    }  # fmt: skip


def _detect(ctx: JobContext, video: SourceVideo, src: Path) -> list[voice.Interval]:
    pcm = ctx.workspace / "speech.pcm"
    ctx.ffmpeg(editing.vad_pcm(src, pcm), duration=video.duration)
    return voice.detect_speech(pcm)


def video_voice_detect(ctx: JobContext, *, video: SourceVideo) -> dict[str, Any]:
    intervals = _detect(ctx, video, ctx.input_path(video.file.name))
    return {
        "intervals": [i.as_dict() for i in intervals],
        "speech_seconds": round(sum(i.end - i.start for i in intervals), 3),
        "duration": video.duration,
        "detector": "webrtcvad (aggressiveness 3, 30 ms frames) after an NLMS line enhancer",
    }


def video_voice_mute(ctx: JobContext, *, video: SourceVideo, params: dict[str, Any]) -> dict[str, Any]:
    """Silence (mute) or turn down (duck) the speech, keeping the rest of the soundtrack; the
    video stream is copied."""
    src = ctx.input_path(video.file.name)
    given = params.get("intervals")
    if given is None:
        ctx.step(0.0, 0.4)
        intervals = _detect(ctx, video, src)
        ctx.step(0.4, 1.0)
    else:
        intervals = [voice.Interval(float(i["start"]), float(i["end"])) for i in given]
    # Ramps must not overlap: join intervals closer than two ramps.
    intervals = voice.merge_intervals(intervals, min_gap=0.07)
    gain = 0.0 if params["mode"] == "mute" else 10 ** (float(params["duck_db"]) / 20)
    extension = _extension(video)
    out = ctx.workspace / f"muted.{extension}"
    spans = [(i.start, i.end) for i in intervals]
    ctx.ffmpeg(editing.apply_gain(src, out, intervals=spans, gain=gain, container=extension), duration=video.duration)
    ctx.set_output(out, _name(video, "voice-muted" if params["mode"] == "mute" else "voice-ducked", extension))
    return {
        "mode": params["mode"], "gain_db": None if params["mode"] == "mute" else float(params["duck_db"]),
        "intervals": [i.as_dict() for i in intervals], "detected": given is None, "container": extension,
        **_summary(probe(out)),
    }  # fmt: skip


def videos_voiceover_add(ctx: JobContext, *, params: dict[str, Any]) -> dict[str, Any]:
    """One voice (TTS) laid over several videos. One video: the job's output is that video;
    several: a zip of all of them (listed, with their durations, in the result)."""
    videos = _videos(params["source_videos"])
    profile = Profile.objects.get(pk=ctx.job.profile_id)
    ctx.step(0.0, 0.2)
    speech = speech_synthesize(
        ctx,
        profile=profile,
        provider=params["provider"],
        voice_id=params.get("voice_id") or None,
        text=params["text"],
        out_dir=ctx.workspace,
    )
    outputs, files = [], []
    share = 0.8 / len(videos)
    for n, video in enumerate(videos):
        ctx.step(0.2 + n * share, 0.2 + (n + 1) * share)
        src = ctx.input_path(video.file.name)
        extended = speech.duration > video.duration + 0.05
        channels = _channels(probe(src), 2)
        extension = "mp4" if extended else _extension(video)
        out = ctx.workspace / f"voiceover-{n}.{extension}"
        stream = editing.voiceover_mix(
            src, speech.audio_path, out, has_audio=video.has_audio, duration=video.duration,
            voice_duration=speech.duration, container=extension, duck_db=float(params["duck_db"]),
            channels=channels, voice_channels=_channels(probe(speech.audio_path), 1),
        )  # fmt: skip
        ctx.ffmpeg(stream, duration=max(video.duration, speech.duration))
        name = f"{n + 1:02d}-{_name(video, 'voiceover', extension)}"
        files.append((out, name))
        outputs.append({"source_video": str(video.pk), "name": name, "extended": extended, **_summary(probe(out))})
    if len(files) == 1:
        ctx.set_output(*files[0])
    else:
        archive = ctx.workspace / "voiceovers.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zipped:  # video is compressed
            for path, name in files:
                zipped.write(path, arcname=name)
        ctx.set_output(archive, "voiceovers.zip")
    return {
        "output": "video" if len(files) == 1 else "zip", "outputs": outputs, "provider": speech.provider,
        "model": speech.model, "voice_id": speech.voice_id, "characters": speech.characters,
        "voice_duration": round(speech.duration, 3), "duck_db": float(params["duck_db"]),
    }  # fmt: skip


def video_title_card(ctx: JobContext, *, video: SourceVideo, params: dict[str, Any]) -> dict[str, Any]:
    """A title card (template + fields) over the video from `start` for `duration` seconds; the
    whole video comes out re-encoded, reframed to `aspect` when one was asked for."""
    template = titles.TEMPLATES[params["template"]]
    fields = titles.clean_fields(template, params["fields"])
    aspect = params.get("aspect") or ""
    if aspect:
        width, height = CARD_SIZES[aspect]
    else:
        turned = video.rotation in (90, 270)
        width, height = (video.height, video.width) if turned else (video.width, video.height)
    size = (width // 2 * 2, height // 2 * 2)
    card = titles.layout(template, fields, width=size[0], height=size[1])
    draws = []
    for n, draw in enumerate(card.draws):
        textfile = ctx.workspace / f"text-{n}.txt"
        textfile.write_text(draw.text, encoding="utf-8")  # textfile=: no escaping of user text
        draws.append(editing.TextDraw(textfile, draw.fontfile, draw.size, draw.x, draw.baseline, draw.color))
    start = float(params["start"])
    end = start + float(params["duration"])
    out = ctx.workspace / "title.mp4"
    reframe = size if aspect or size != (width, height) else None
    stream = editing.title_card(
        ctx.input_path(video.file.name), out, draws=draws, panel=card.panel, start=start, end=end,
        has_audio=video.has_audio, size=reframe,
    )  # fmt: skip
    ctx.ffmpeg(stream, duration=video.duration)
    ctx.set_output(out, _name(video, params["template"], "mp4"))
    return {
        "template": template.name, "aspect": aspect or None, "start": start, "end": round(end, 3),
        "text_area": list(card.panel), "scale": card.scale, "fonts": [Path(f).name for f in card.fonts],
        "missing_glyphs": card.missing_glyphs, "truncated": card.truncated, **_summary(probe(out)),
    }  # fmt: skip
