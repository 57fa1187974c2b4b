"""Starting renders and TTS jobs: content edits, budget checks, job creation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction

from costs import pricing
from costs.services import budget_reserve
from library.media.caption_style import StyleError, validate_style
from library.models import Clip, ClipStatus, Job
from library.presets import preset_get
from library.services.jobs import job_create
from library.services.music import music_choice
from library.services.reframe import clip_focus_set, focus_check
from library.services.voices import tts_provider_name, voice_check
from profiles.common import model_update
from profiles.errors import Conflict, Invalid
from profiles.tenancy import current_profile

CONTENT_FIELDS = ("script_text", "caption_style", "voice_id", "original_audio", "srt_text", "layout", "music_track",
                  "music_volume_db", "hook_text", "hook_auto")  # fmt: skip
CAPTION_SOURCES = ("voiceover", "speech", "none")
# Kept in the clip's `selection` (how its cut list is made and read): captions, tighten.
SPEECH_FIELDS = ("captions", "tighten")


class ClipBusy(Conflict):
    code = "clip_busy"
    default_detail = "The clip is already rendering."


def tts_estimate(*, characters: int, provider: str = "") -> Decimal:
    """What speaking `characters` would cost the current profile (espeak: nothing)."""
    profile = current_profile()
    if (provider or tts_provider_name(profile)) != "elevenlabs" or characters <= 0:
        return Decimal(0)
    tts_settings = profile.tts_settings if profile is not None else None
    model = (tts_settings or {}).get("model") or settings.ELEVENLABS_MODEL
    return pricing.estimate_tts(provider="elevenlabs", model=model, characters=characters)


def tts_reserve_budget(*, job_id: UUID | str, characters: int, provider: str = "") -> None:
    """ElevenLabs work reserves its estimate before the job (402 when over the budget). Call
    inside the transaction that creates the job, so a refusal creates nothing."""
    estimate = tts_estimate(characters=characters, provider=provider)
    if estimate > Decimal(0):
        budget_reserve(job_id=job_id, operation="tts", estimate_usd=estimate)


def captions_check(*, captions: str | None, script_text: str) -> None:
    """400 unless the caption source fits the script: the speech of the source and a voiceover
    cannot both be captioned, and voiceover captions need a script. None: automatic."""
    if captions == "speech" and script_text.strip():
        raise Invalid({"captions": "Choose one: captions of the source's speech (captions: speech) or a voiceover "
                                   "(script_text), not both."})  # fmt: skip
    if captions == "voiceover" and not script_text.strip():
        raise Invalid({"captions": "Voiceover captions need a script_text."})


@transaction.atomic
def clip_content_update(*, clip: Clip, data: dict[str, Any]) -> Clip:
    if "music" in data:  # {track, volume_db} or None: the clip's bed fields
        data = {**{k: v for k, v in data.items() if k != "music"}, **music_choice(data["music"])}
    if "caption_style" in data:
        try:
            data = {**data, "caption_style": validate_style(data["caption_style"])}
        except StyleError as exc:
            raise Invalid({"caption_style": exc.detail}) from None
    if data.get("voice_id"):
        voice_check(voice_id=data["voice_id"])
    speech = {key: data[key] for key in SPEECH_FIELDS if key in data}
    if speech or "script_text" in data:
        captions_check(
            captions=speech.get("captions", clip.selection.get("captions")),
            script_text=data.get("script_text", clip.script_text),
        )
    focus_check(clip=clip, data=data)
    if speech:
        data = {**data, "selection": {**clip.selection, **speech}}
    clip = model_update(instance=clip, fields=(*CONTENT_FIELDS, "selection"), data=data)
    if "focus" in data:  # after the update: the points are tied to the cut list as it now is
        clip = clip_focus_set(clip=clip, points=data["focus"])
    return clip


def _check_preset(preset: str) -> None:
    if preset_get(preset) is None:
        raise Invalid({"preset": f"Unknown preset {preset!r}."})


def _characters(clips: list[Clip]) -> int:
    return sum(len(c.script_text) for c in clips if c.script_text.strip() and not c.srt_text)


@transaction.atomic
def clips_render(
    *, clips: list[Clip], preset: str, broll: bool = False, broll_seconds: float = 2.0, layout: str = ""
) -> Job:
    """One job rendering the clips (one clip: kind render; several: bulk-render); `layout`
    re-frames them (kept on each clip once its final is made)."""
    _check_preset(preset)
    ids = [c.pk for c in clips]
    busy = Clip.objects.select_for_update().filter(pk__in=ids, status=ClipStatus.RENDERING)
    if busy.exists():
        raise ClipBusy(f"Already rendering: {', '.join(str(pk) for pk in busy.values_list('pk', flat=True))}.")
    Clip.objects.filter(pk__in=ids).update(status=ClipStatus.RENDERING, error="")
    params = {"preset": preset, "broll": broll, "broll_seconds": broll_seconds, "layout": layout}
    if len(clips) == 1:
        job = job_create(kind="render", clip=clips[0], project_id=clips[0].project_id, params=params)
    else:
        job = job_create(kind="bulk-render", params={**params, "clips": [str(pk) for pk in ids]})
    tts_reserve_budget(job_id=job.pk, characters=_characters(clips))
    return job


@transaction.atomic
def tts_generate(*, text: str, voice_id: str = "", provider: str = "") -> Job:
    voice_check(voice_id=voice_id, provider=provider)
    job = job_create(kind="tts", params={"text": text, "voice_id": voice_id, "provider": provider})
    tts_reserve_budget(job_id=job.pk, characters=len(text), provider=provider)
    return job
