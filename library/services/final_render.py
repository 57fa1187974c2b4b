"""The final render of a clip: voiceover, word-level captions and a preset, in one ffmpeg pass.
Runs inside a job (`ctx`): the "render" and "bulk-render" kinds, and one-click per variant."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from library import keywords, storage, timeline
from library.events import clip_rendered_emit
from library.jobs.context import JobContext
from library.jobs.fanout import failures
from library.jobs.registry import JobError, Part, job_fan_out
from library.media import captions
from library.media.encoder import video_encoder
from library.media.render import RenderSpec, render_graph
from library.models import Clip, ClipStatus, Job, ProjectSegment, Segment
from library.presets import preset_get
from library.selection import Candidate, Cut
from library.selectors import transcripts_usable
from library.services.brand_render import brand_caption_style, brand_kit_current, brand_overlays
from library.services.generation import SourceInputs, spoken_words
from library.services.music import clip_sound
from library.services.reframe import clip_framing
from library.services.speech import speech_synthesize
from library.services.voices import tts_provider_name
from profiles.models import Profile

TAIL = 0.5  # seconds of picture after the voice ends
BROLL_SECONDS = 2.0
PREVIEW_SIZE = (540, 960)  # a quarter of the 1080x1920 final's pixels


@dataclass(frozen=True)
class RenderOptions:
    """What a render job asks for, beyond the clip: the preset and the b-roll."""

    preset: str
    broll: bool = False
    broll_seconds: float = BROLL_SECONDS
    layout: str = ""  # a re-render's layout (reframe.LAYOUTS); blank: the clip's
    preview: bool = False  # the low-resolution preview (PREVIEW_SIZE, ultrafast, no loudness pass)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> RenderOptions:
        return cls(params["preset"], bool(params.get("broll")), float(params.get("broll_seconds", BROLL_SECONDS)),
                   layout=str(params.get("layout") or ""))  # fmt: skip


def clip_failed(job: Job, error: str) -> None:
    """on_failure hook: a clip that has an earlier final keeps it; otherwise it is failed."""
    for clip_id in [job.clip_id, *job.params.get("clips", [])]:
        if not clip_id:
            continue
        clip = Clip.objects.filter(pk=clip_id, status=ClipStatus.RENDERING).first()
        if clip is not None:
            clip.status = ClipStatus.FINAL if clip.final_file else ClipStatus.FAILED
            clip.error = error[:5000]
            clip.save(update_fields=["status", "error", "updated_at"])


def clip_require(clip_id: UUID | str) -> Clip:
    """The clip a running job renders, in its scope; JobError if it was deleted."""
    clip: Clip | None = Clip.objects.filter(pk=clip_id).first()
    if clip is None:
        raise JobError("The clip was deleted.")
    return clip


def _extra_footage(clip: Clip, cuts: list[Cut]) -> list[Candidate]:
    """More of the project's footage to extend a clip whose voice outlasts its cuts: the
    project's assigned segments first, then the best-scored segments of the videos it uses."""
    assigned = [a.segment for a in ProjectSegment.objects.filter(project_id=clip.project_id).select_related("segment")]
    videos = {UUID(c.source_video) for c in cuts}  # cut lists keep ids as text
    scored = Segment.objects.filter(source_video_id__in=videos).exclude(pk__in=[s.pk for s in assigned])
    ordered = [*assigned, *scored.order_by("-score", "start")[:50]]
    return [Candidate.of_segment(s) for s in ordered]


def _broll(
    words: list[Any], cuts: list[Cut], seconds: float, *, spoken: bool = False
) -> tuple[list[Cut], list[dict[str, Any]]]:
    """Cut in the segments whose keywords are heard. Over a voiceover the b-roll replaces the
    picture from the moment the keyword is said; over the sources' own speech (`spoken`) it
    plays, with its own sound, once the sentence that says it has ended, so that nobody is cut
    off mid-sentence (the clip grows by its length)."""
    segments = Segment.objects.exclude(keywords=[]).values_list("pk", "keywords", "source_video_id", "start", "end")
    lookup = {str(pk): (str(video), start, end) for pk, _, video, start, end in segments}
    matches = keywords.match_keywords(words, [(pk, kws) for pk, kws, *_ in segments], min_gap=seconds)
    used: list[dict[str, Any]] = []
    places: set[float] = set()
    for match in reversed(matches) if spoken else matches:  # latest first: earlier moments keep their times
        video, start, end = lookup[match.segment]
        length = min(seconds, end - start) if spoken else min(seconds, end - start, timeline.total(cuts) - match.start)
        if length < 0.3:
            continue
        piece = Cut(video, start, start + length, match.segment)
        if spoken:
            at = timeline.sentence_end_after(words, match.end, margin=settings.WORD_MARGIN)
            if at in places:  # one b-roll after a sentence
                continue
            places.add(at)
            cuts = timeline.insert_between(cuts, at, piece)
            used.insert(0, {**match.as_dict(), "seconds": round(length, 3), "at": round(at, 3)})
        else:
            cuts = timeline.insert_at(cuts, match.start, piece)
            used.append({**match.as_dict(), "seconds": round(length, 3)})
    return cuts, used


def clip_render(ctx: JobContext, *, clip: Clip, options: RenderOptions) -> dict[str, Any]:
    """Render the clip's final to the preset and swap it in; the job's result for this clip."""
    preset = preset_get(options.preset)
    if preset is None:
        raise JobError(f"Unknown preset {options.preset!r}.")
    if options.preview:  # the same graph, smaller and faster; not a final
        preset = replace(preset, width=PREVIEW_SIZE[0], height=PREVIEW_SIZE[1], speed="ultrafast", max_bitrate="")
    profile = Profile.objects.get(pk=ctx.job.profile_id)
    cuts = [Cut(c["source_video"], float(c["start"]), float(c["end"]), c.get("segment")) for c in clip.cut_list]
    if not cuts:
        raise JobError("The clip has an empty cut list.")
    folder = ctx.workspace / f"clip-{clip.pk}"
    folder.mkdir()
    info: dict[str, Any] = {"preset": preset.name, "rendered_at": timezone.now().isoformat()}
    # What the sources say (their transcripts' words): captions of the speech, b-roll, tighten.
    requested = clip.selection.get("captions")  # voiceover | speech | none; absent: automatic
    videos = {c.source_video for c in cuts}
    spoken = spoken_words(transcripts_usable(video_ids=videos, include_unreliable=requested == "speech"))
    if clip.selection.get("tighten"):  # a cut list tightened when it was planned has nothing more to lose
        cuts, removed = timeline.tighten(cuts, spoken, pause=settings.TIGHTEN_PAUSE, margin=settings.WORD_MARGIN)
        if removed:
            info["tightened"] = removed
    words: list[Any] = []
    voice = None
    length = timeline.total(cuts)
    if clip.srt_text:
        words = captions.words_from_srt(clip.srt_text)
        info["captions"] = "srt"
    elif clip.script_text.strip():
        speech = speech_synthesize(
            ctx, profile=profile, provider=tts_provider_name(profile), text=clip.script_text, out_dir=folder,
            voice_id=clip.voice_id or profile.tts_voice_id or None, label="Voiceover failed",
        )  # fmt: skip
        ctx.check_cancelled()
        voice, words, length = speech.audio_path, speech.words, speech.duration + TAIL
        info.update(voice={"provider": speech.provider, "model": speech.model, "voice_id": speech.voice_id,
                           "duration": round(speech.duration, 3), "characters": speech.characters,
                           "cached": speech.cached}, captions="voice")  # fmt: skip
    cuts, how = timeline.fit(cuts, length, _extra_footage(clip, cuts) if length > timeline.total(cuts) else ())
    info["fit"] = how
    if options.broll and words:  # what is heard: the voiceover (or the SRT)...
        cuts, info["broll"] = _broll(words, cuts, options.broll_seconds)
    elif options.broll and spoken:  # ... else the sources' own speech
        heard = timeline.words_on_timeline(cuts, spoken)
        cuts, info["broll"] = _broll(heard, cuts, options.broll_seconds, spoken=True)
        length = timeline.total(cuts)
    if spoken:  # the trims and cut-ins above may have landed inside a word: never clip one
        cuts = timeline.clear_of_words(cuts, spoken, margin=settings.WORD_MARGIN)
        length = max(length, timeline.total(cuts)) if voice else timeline.total(cuts)
    if not clip.srt_text and not voice and requested in (None, "speech"):
        words = timeline.words_on_timeline(cuts, spoken)  # the cuts as they finally play
        info["captions"] = "speech" if words else "none"
    elif requested == "none" and not clip.srt_text:  # an SRT the client gave wins
        words, info["captions"] = [], "none"
    info["words"] = [
        {"word": getattr(w, "word", None) or w.text, "start": round(w.start, 3), "end": round(w.end, 3)} for w in words
    ]
    ass = None
    kit = brand_kit_current()
    style = brand_caption_style(kit, clip.caption_style or profile.caption_style)
    if words:
        ass = captions.write_ass(words, folder / "captions.ass", width=preset.width, height=preset.height,
                                 style=style, safe=preset.safe_area(),
                                 fonts_dir=folder / "fonts")  # fmt: skip
    inputs = SourceInputs(ctx)
    thumbnail = folder / "thumbnail.jpg"
    clip.layout = options.layout or clip.layout  # a re-render may change it; saved with the final
    framing = clip_framing(clip=clip, cuts=cuts, inputs=inputs, width=preset.width, height=preset.height)
    info.update(framing.info())
    brand, info["brand"] = brand_overlays(ctx, kit=kit, clip=clip, cuts=cuts, preset=preset, style=style,
                                          captions=ass, folder=folder)  # fmt: skip
    encoding = replace(preset.encoding(), video_codec="libx264" if options.preview else video_encoder())
    info["encoder"] = encoding.video_codec
    spec = RenderSpec(
        pieces=framing.pieces, output=folder / "final.mp4", encoding=encoding,
        layout=framing.mode, captions=ass, voice=voice, original_audio=clip.original_audio,
        loudness=preset.loudness, duration=length, thumbnail=thumbnail, pad_darken=preset.pad_darken / 100,
        fonts_dir=folder / "fonts" if ass or (brand and brand.fonts_dir) else None, brand=brand,
    )  # fmt: skip
    # The bed and the loudness pass; a preview measures only the bed (loudnorm's one-pass estimate).
    spec, info["sound"] = clip_sound(ctx, clip=clip, spec=spec, folder=folder, measure=not options.preview)
    ctx.ffmpeg(render_graph(spec), duration=spec.output_duration + spec.card_seconds)
    info["cut_list"] = [c.as_dict() for c in cuts]
    if options.preview:
        _replace_preview(ctx, clip, spec.output)
    else:
        _replace_final(ctx, clip, spec, thumbnail, info)
    return {"clip": str(clip.pk), "duration": round(spec.output_duration + spec.card_seconds, 3), **info}


def _replace_final(ctx: JobContext, clip: Clip, spec: RenderSpec, thumbnail: Path, info: dict[str, Any]) -> None:
    """Store the new final under a fresh name and swap it in; the old file goes after commit,
    so a reader never sees a half-written file and a failed render keeps the old one."""
    base = f"{ctx.job.profile_id}/clips/{clip.pk}"
    final = storage.store_file(spec.output, f"{base}/final-{ctx.job.pk}.mp4")
    thumb = storage.store_file(thumbnail, f"{base}/final-{ctx.job.pk}.jpg")
    # The final's thumbnail replaces the raw one as well: both old files go.
    old = [f.name for f in (clip.final_file, clip.thumbnail) if f and f.name]
    try:
        with transaction.atomic():
            clip.final_file, clip.thumbnail = final, thumb
            clip.final_duration = round(spec.output_duration + spec.card_seconds, 3)  # the brand's cards included
            clip.render_info, clip.status, clip.error = info, ClipStatus.FINAL, ""
            clip.save(update_fields=["final_file", "thumbnail", "final_duration", "render_info", "status", "error",
                                     "layout", "updated_at"])  # fmt: skip
            transaction.on_commit(lambda: storage.delete_stored(*old))
            clip_rendered_emit(clip=clip)
    except Exception:
        storage.delete_stored(final, thumb)
        raise


def _replace_preview(ctx: JobContext, clip: Clip, output: Path) -> None:
    """Store the preview under a fresh name and swap it in (the old one goes after commit); the
    clip's status, final and render_info stay as they are."""
    preview = storage.store_file(output, f"{ctx.job.profile_id}/clips/{clip.pk}/preview-{ctx.job.pk}.mp4")
    old = [clip.preview_file.name] if clip.preview_file and clip.preview_file.name else []
    try:
        with transaction.atomic():
            clip.preview_file = preview
            clip.save(update_fields=["preview_file", "updated_at"])
            transaction.on_commit(lambda: storage.delete_stored(*old))
    except Exception:
        storage.delete_stored(preview)
        raise


def clips_render(*, clip_ids: list[str], params: dict[str, Any]) -> NoReturn:
    """The "bulk-render" job: one render job per clip (a fan-out: W workers render W clips at
    once); `clips_render_join` collects their results in the clips' order."""
    render: dict[str, Any] = {k: params[k] for k in ("preset", "broll", "broll_seconds", "layout") if k in params}
    # A clip deleted since the request gets a part without its link: it fails saying so, alone.
    there = {str(pk) for pk in Clip.objects.filter(pk__in=clip_ids).values_list("pk", flat=True)}
    parts = [Part("render", {**render, "clip": c}, {"clip_id": c} if c in there else {}) for c in clip_ids]
    job_fan_out(parts, state={})


def clips_render_join(ctx: JobContext, state: dict[str, Any], children: list[Job]) -> dict[str, Any]:
    """The bulk render's result: each rendered clip's result, in order, and the ones that failed
    (their clips say why, as a single render's would)."""
    result: dict[str, Any] = {"clips": [c.result for c in children if c.status == "succeeded"]}
    if len(result["clips"]) < len(children):
        result["failed"] = [{**f, "clip": c.params.get("clip", str(c.clip_id))} for f, c in zip(
            failures(children), (c for c in children if c.status != "succeeded"), strict=True)]  # fmt: skip
    return result
