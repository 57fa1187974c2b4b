"""The voices a profile may use, and the clones it owns at the TTS provider.

Every profile shares the install's provider account, whose voice list holds every clone anyone
made. A profile's voices are the provider's stock voices plus the clones recorded for it
(ClonedVoice). `voice_check` is the one gate for every voice id a client sends; jobs ask
`voice_refusal` again before they speak (a voice stored before voices had owners, or for a
provider the profile has left since). A deleted profile's clones are deleted at the provider.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from library.models import ClonedVoice
from library.providers.tts import TTSError, TTSProvider, Voice, get_tts_provider
from profiles.errors import DomainError, Invalid, UpstreamFailed
from profiles.models import Profile
from profiles.services import profile_update
from profiles.tenancy import current_profile, current_profile_id, profile_scope, scoped_profile

if TYPE_CHECKING:
    from library.providers.tts.elevenlabs import ElevenLabsProvider
    from library.providers.tts.espeak import EspeakProvider

logger = logging.getLogger(__name__)

LABELS = {"elevenlabs": "ElevenLabs", "espeak": "espeak-ng"}
LIST_HINT = "choose one from GET /api/v1/tts/voices/"
VOICES_CACHE_SECONDS = 60
# Deleting a deleted profile's clones: the wait before each retry (then it is given up, logged).
DELETE_RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1), timedelta(hours=6))
DELETE_ATTEMPTS = len(DELETE_RETRY_DELAYS) + 1
DELETE_TASK = "library.tasks.delete_cloned_voices"


class ProviderUnavailable(UpstreamFailed):
    code = "provider_unavailable"


def tts_provider_name(profile: Profile | None = None) -> str:
    """The provider a profile's voiceovers use: its own choice, else ElevenLabs with a key."""
    profile = profile or current_profile()
    name = getattr(profile, "tts_provider", "") or ""
    return name or ("elevenlabs" if settings.ELEVENLABS_API_KEY else "espeak")


# -- reads ------------------------------------------------------------------------------------


def _cache_key(profile_id: object, provider: str) -> str:
    return f"tts-voices:{profile_id}:{provider}"


def _profile_voices(adapter: TTSProvider, provider: str) -> list[Voice]:
    """Stock voices and the current profile's clones, cached per profile. TTSError when the
    provider does not answer within PROVIDER_REQUEST_TIMEOUT."""
    key = _cache_key(current_profile_id(), provider)
    voices: list[Voice] | None = cache.get(key)
    if voices is None:
        listed = adapter.voices(deadline=settings.PROVIDER_REQUEST_TIMEOUT)
        own = set(ClonedVoice.objects.filter(provider=provider).values_list("voice_id", flat=True))
        voices = [voice for voice in listed if voice.stock or voice.id in own]
        cache.set(key, voices, VOICES_CACHE_SECONDS)
    return voices


def _allowed(provider: str, voice_id: str) -> bool:
    """Raises TTSError when the provider cannot be asked, ValueError for an unknown provider."""
    adapter = get_tts_provider(provider)
    if not adapter.valid_voice_id(voice_id):
        return False  # before anything else: the id may end up in a URL
    if provider == "espeak":  # every installed voice is everyone's
        return cast("EspeakProvider", adapter).installed(voice_id)
    if ClonedVoice.objects.filter(provider=provider, voice_id=voice_id).exists():
        return True
    return any(voice.id == voice_id and voice.stock for voice in _profile_voices(adapter, provider))


def _provider_problem(exc: TTSError | ValueError) -> DomainError:
    if isinstance(exc, ValueError) or exc.status == 400:  # unknown, or not configured here
        return Invalid({"provider": [getattr(exc, "message", None) or str(exc)]})
    return ProviderUnavailable(exc.message)


def voice_list(*, provider: str = "") -> list[Voice]:
    """The current profile's voices: the provider's stock voices and the profile's own clones,
    never another profile's clone nor one that no profile owns."""
    name = provider or tts_provider_name()
    try:
        return _profile_voices(get_tts_provider(name), name)
    except (TTSError, ValueError) as exc:
        raise _provider_problem(exc) from None


def voice_check(*, voice_id: str, provider: str = "", field: str = "voice_id") -> str:
    """The gate for a voice id sent by a client: the provider's id format, then the current
    profile's voices. 400 otherwise, with the same words whether the voice does not exist or
    is another profile's. Blank is fine: the profile's (or the provider's) default voice."""
    if not voice_id:
        return voice_id
    name = provider or tts_provider_name()
    try:
        allowed = _allowed(name, voice_id)
    except (TTSError, ValueError) as exc:
        raise _provider_problem(exc) from None
    if not allowed:
        raise Invalid({field: [f"Unknown {LABELS.get(name, name)} voice {voice_id!r}: {LIST_HINT}."]})
    return voice_id


def profile_voice_check(*, profile: Profile) -> None:
    """profile_create/profile_update's hook: a profile's own voice passes the same gate."""
    with profile_scope(profile):
        voice_check(voice_id=profile.tts_voice_id, provider=tts_provider_name(profile), field="tts_voice_id")


def voice_refusal(*, provider: str, voice_id: str | None) -> str | None:
    """For a job about to speak: why it may not use `voice_id` (None: it may)."""
    if not voice_id:
        return None
    try:
        allowed = _allowed(provider, voice_id)
    except (TTSError, ValueError) as exc:
        return f"The voice {voice_id!r} could not be checked: {getattr(exc, 'message', None) or exc}"
    return None if allowed else f"The voice {voice_id!r} is not available to this profile; {LIST_HINT}."


def account_voice_get(*, provider: str, voice_id: str) -> Voice | None:
    """For support staff: the provider account's voice with this id, None when it has none.
    TTSError (ValueError) when the provider cannot be asked (is unknown)."""
    adapter = get_tts_provider(provider)
    if not adapter.valid_voice_id(voice_id):
        return None
    listed = adapter.voices(deadline=settings.PROVIDER_REQUEST_TIMEOUT)
    return next((voice for voice in listed if voice.id == voice_id), None)


def account_voices_unowned(*, provider: str = "elevenlabs") -> list[Voice]:
    """For support staff: the account's own voices (clones...) that no profile owns, hence no
    profile may use: made before voices had owners, or outside EditAI. Reads every profile's
    rows on purpose (the explicit manager)."""
    listed = get_tts_provider(provider).voices(deadline=settings.PROVIDER_REQUEST_TIMEOUT)
    owned = set(ClonedVoice.all_objects.filter(provider=provider).values_list("voice_id", flat=True))
    return [voice for voice in listed if not voice.stock and voice.id not in owned]


# -- writes -----------------------------------------------------------------------------------


def voices_forget(*, profile_id: object, provider: str) -> None:
    """Drop a profile's cached voice list (it gained or lost a clone)."""
    cache.delete(_cache_key(profile_id, provider))


@transaction.atomic
def cloned_voice_create(*, provider: str, voice_id: str, name: str) -> ClonedVoice:
    """Record a clone the current profile just made as its own."""
    voice = ClonedVoice(provider=provider, voice_id=voice_id, name=name[:100])
    voice.full_clean()
    voice.save()
    voices_forget(profile_id=voice.profile_id, provider=provider)
    return voice


@transaction.atomic
def cloned_voice_assign(*, voice: ClonedVoice, profile: Profile) -> ClonedVoice:
    """Support staff give a voice of the account (a new row, or an existing one) to `profile`:
    from then on that profile, and only it, lists and uses the voice."""
    previous = voice.profile_id
    voice.profile = profile
    voice.full_clean()
    voice.save()
    for profile_id in {previous, profile.pk} - {None}:
        voices_forget(profile_id=profile_id, provider=voice.provider)
    logger.info("%s voice %s assigned to profile %s (was %s)", voice.provider, voice.voice_id, profile.pk, previous)
    return voice


def voice_clone(*, name: str, samples: list[Path], description: str = "") -> Voice:
    """Clone a voice at ElevenLabs for the current profile: recorded as the profile's own and
    made its voice. TTSError when ElevenLabs refuses or fails."""
    voice = cast("ElevenLabsProvider", get_tts_provider("elevenlabs")).clone_voice(
        name=name, samples=samples, description=description
    )
    try:
        with transaction.atomic():
            cloned_voice_create(provider="elevenlabs", voice_id=voice.id, name=voice.name)
            profile_update(profile=scoped_profile(), data={"tts_voice_id": voice.id, "tts_provider": "elevenlabs"})
    except Exception:
        # Unrecorded, the clone would sit in the account usable by nobody: it goes at once.
        provider_voices_delete(provider="elevenlabs", voice_ids=[voice.id])
        raise
    return voice


def profile_clones_delete(*, profile: Profile) -> None:
    """profile_delete's hook, inside its transaction: once the deletion commits, a q2 task
    deletes the profile's clones at their provider (the rows go with the profile)."""
    by_provider: dict[str, list[str]] = defaultdict(list)
    with profile_scope(profile):
        for provider, voice_id in ClonedVoice.objects.values_list("provider", "voice_id"):
            by_provider[provider].append(voice_id)
    for provider, voice_ids in by_provider.items():
        transaction.on_commit(
            functools.partial(
                async_task, DELETE_TASK, provider, voice_ids, task_name=f"delete {len(voice_ids)} {provider} voice(s)"
            )
        )


def provider_voices_delete(*, provider: str, voice_ids: list[str], attempt: int = 1) -> list[str]:
    """Delete voices at the provider. What fails is tried again later by a one-off q2 schedule,
    DELETE_ATTEMPTS times in all, then given up (logged as an error). Returns what is left."""
    left: list[str] = []
    try:
        adapter = get_tts_provider(provider)
    except (TTSError, ValueError) as exc:
        logger.warning("cannot delete %s voices now: %s", provider, getattr(exc, "message", None) or exc)
        left = list(voice_ids)
    else:
        for voice_id in voice_ids:
            try:
                found = adapter.delete_voice(voice_id)  # type: ignore[attr-defined]
            except TTSError as exc:
                logger.warning(
                    "could not delete %s voice %s (attempt %d): %s", provider, voice_id, attempt, exc.message
                )
                left.append(voice_id)
            else:
                logger.info("deleted %s voice %s%s", provider, voice_id, "" if found else " (it was already gone)")
    if left and attempt < DELETE_ATTEMPTS:
        delay = DELETE_RETRY_DELAYS[attempt - 1]
        schedule(
            DELETE_TASK, provider, left, attempt=attempt + 1, schedule_type=Schedule.ONCE,
            next_run=timezone.now() + delay,
        )  # fmt: skip
        logger.warning("will retry deleting %d %s voice(s) in %s", len(left), provider, delay)
    else:
        for voice_id in left:
            logger.error(
                "gave up deleting %s voice %s after %d attempts: delete it in the provider's console",
                provider, voice_id, attempt,
            )  # fmt: skip
    return left
