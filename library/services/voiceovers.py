"""The voiceover cache: a profile's speech kept per provider, model, voice, voice settings and
text, so that a preview and a final render, variants and re-renders sharing a script speak it
(and pay for it) once. `speech_synthesize` is the one caller; prune_media expires what has not
been used for VOICEOVER_CACHE_DAYS, and a profile's deletion takes its rows and its folder."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from library import storage
from library.models import Voiceover
from library.providers.tts import Speech, WordTiming
from library.providers.tts.espeak import MODEL as ESPEAK_MODEL
from profiles.tenancy import scoped_profile, unscoped

logger = logging.getLogger(__name__)

LOCK_POLL_SECONDS = 0.2
# Past this wait for another worker's synthesis of the same key, speak anyway (and pay again)
# rather than hang: a lock whose holder's connection is stuck must not stall jobs forever.
LOCK_WAIT_SECONDS = 600.0


def _defaults(provider: str) -> tuple[str, str]:
    """The voice and model a provider speaks with when none is given (its adapter's fallbacks).
    They go into the key, so that changing a default never replays the old default's voice."""
    if provider == "elevenlabs":
        return settings.ELEVENLABS_VOICE_ID, settings.ELEVENLABS_MODEL
    if provider == "espeak":
        return settings.ESPEAK_VOICE, ESPEAK_MODEL
    return "", ""


def voiceover_key(
    *, provider: str, model: str | None, voice_id: str | None, voice_settings: dict[str, Any] | None, text: str
) -> str:
    """sha256 hex of the canonical JSON of what decides the audio."""
    default_voice, default_model = _defaults(provider)
    canonical = json.dumps(
        {
            "provider": provider, "model": model or default_model, "voice_id": voice_id or default_voice,
            "voice_settings": voice_settings or {}, "text": text,
        },
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )  # fmt: skip
    return hashlib.sha256(canonical.encode()).hexdigest()


@contextlib.contextmanager
def voiceover_lock(key: str, *, check: Callable[[], None]) -> Iterator[None]:
    """One synthesis of a key at a time across workers (a clip's preview and final may run side
    by side): the second waits, then replays the first one's file instead of paying again. A
    PostgreSQL session-level advisory lock, polled so that `check` (the job's cancellation) runs
    while waiting; a dead worker's lock goes with its connection."""
    digest = hashlib.sha256(f"voiceover:{scoped_profile().pk}:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
            if (locked := bool(cursor.fetchone()[0])) or time.monotonic() > deadline:
                break
            check()
            time.sleep(LOCK_POLL_SECONDS)
    try:
        yield
    finally:
        if locked:
            # An aborted transaction cannot unlock; the lock then goes with the connection.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])


def voiceover_replay(*, key: str, out_dir: Path) -> Speech | None:
    """The current profile's cached speech for `key`, its audio copied into `out_dir`; None when
    it was never spoken, or its file is gone (the row goes too: it is spoken and stored anew)."""
    row = Voiceover.objects.filter(key=key).first()
    # Touched before the copy: a prune running meanwhile re-reads last_used_at and spares it.
    if row is None or not Voiceover.objects.filter(pk=row.pk).update(last_used_at=timezone.now()):
        return None
    name = str(row.file.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / f"tts-{uuid.uuid4().hex[:12]}{Path(name).suffix}"
    try:
        with contextlib.closing(storage.open_stream(name)) as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, length=1024 * 1024)
    except Exception:  # whatever the storage raises (OSError on disk, ClientError on S3)
        logger.warning("cached voiceover %s unreadable; speaking it again", name, exc_info=True)
        dest.unlink(missing_ok=True)
        Voiceover.objects.filter(pk=row.pk).delete()
        return None
    return Speech(
        audio_path=dest, duration=row.duration, words=[WordTiming(**w) for w in row.words], provider=row.provider,
        model=row.model, voice_id=row.voice_id, characters=row.characters, cached=True,
    )  # fmt: skip


def voiceover_store(*, key: str, speech: Speech) -> Voiceover:
    """Keep what the provider just said for the current profile. Two workers that missed at once
    (past the lock's wait) both paid; the first row stays and the second file goes."""
    name = storage.store_file(speech.audio_path, f"{scoped_profile().pk}/voiceovers/{key}{speech.audio_path.suffix}")
    fields: dict[str, Any] = {
        "provider": speech.provider, "model": speech.model, "voice_id": speech.voice_id, "file": name,
        "words": [{"word": w.word, "start": w.start, "end": w.end} for w in speech.words],
        "duration": speech.duration, "characters": speech.characters, "last_used_at": timezone.now(),
    }  # fmt: skip
    try:
        row, created = Voiceover.objects.get_or_create(key=key, defaults=fields)
    except Exception:
        storage.delete_stored(name)
        raise
    if not created:
        storage.delete_stored(name)
    return row


def voiceovers_expire(*, profile_id: uuid.UUID | str | None = None, dry_run: bool = False) -> int:
    """Forget the voiceovers (rows, then files) of every profile, or of one, not used for
    VOICEOVER_CACHE_DAYS; returns how many (would) go. Maintenance: reads across profiles."""
    cutoff = timezone.now() - timedelta(days=settings.VOICEOVER_CACHE_DAYS)
    with unscoped():
        stale = Voiceover.objects.filter(last_used_at__lt=cutoff)
        if profile_id is not None:
            stale = stale.filter(profile_id=profile_id)
        if dry_run:
            return stale.count()
        with transaction.atomic():
            # Locked and re-checked: a row a job touches meanwhile is spared (or waited for).
            rows = list(stale.select_for_update(skip_locked=True).values_list("pk", "file"))
            Voiceover.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
            transaction.on_commit(lambda: storage.delete_stored(*(name for _, name in rows)))
    return len(rows)
