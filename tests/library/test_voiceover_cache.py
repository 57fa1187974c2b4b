"""The voiceover cache: the same text in the same voice (model, settings) is spoken and paid for
once per profile, then replayed; anything else that changes the audio is spoken again; another
profile never gets a profile's file; a refused voice stays refused; stale entries are pruned and
a deleted profile's go with it. espeak-ng for most of it, the fake ElevenLabs for what is paid."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from costs.models import CostEntry
from library.models import ClonedVoice, Job, JobStatus, Voiceover
from library.services.voiceovers import voiceover_key
from profiles.models import Profile
from tests.conftest import api_client_for
from tests.factories import ClonedVoiceFactory, VoiceoverFactory
from tests.fakes.elevenlabs import KEY, ElevenLabsHandler, ElevenLabsState, FakeVoice
from tests.fakes.server import Running, running
from tests.jobs import make_job, reload, run

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = "Fresh shoes for spring."
SPEECH = r"/v1/text-to-speech/.*"
CLONE = "ShopVoiceClone000001"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"  # prune walks the whole root: only this test's files
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def espeak(settings: Any) -> None:
    settings.ELEVENLABS_API_KEY = ""  # profiles without a provider of their own speak with espeak-ng


@pytest.fixture
def eleven(settings: Any) -> Any:
    state = ElevenLabsState()
    state.voices[CLONE] = FakeVoice(CLONE, "Shop voice", category="cloned")
    with running(ElevenLabsHandler, state) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        yield fake


def _queue(profile: Any, text: str = TEXT, voice_id: str = "") -> Job:
    """A "tts" job of `profile` as POST /tts/generate/ makes it (queued, not run)."""
    response = api_client_for(profile.user, profile).post(
        "/api/v1/tts/generate/", {"text": text, "voice_id": voice_id}, format="json"
    )
    assert response.status_code == 202, response.content
    return reload(response.json()["id"])


def _speak(profile: Any, text: str = TEXT, voice_id: str = "") -> Job:
    job = _queue(profile, text, voice_id)
    run(job)
    return reload(job)


def _costs(job: Job) -> int:
    return CostEntry.all_objects.filter(job_id=job.pk).count()


def _calls(fake: Running) -> int:
    return len(fake.state.calls_to("POST", SPEECH))


def test_the_same_text_in_the_same_voice_is_paid_for_once(cast: Any, eleven: Running) -> None:
    first, second = _speak(cast.store_a), _speak(cast.store_a)
    assert first.status == second.status == JobStatus.SUCCEEDED, (first.error, second.error)
    assert _calls(eleven) == 1
    assert (_costs(first), _costs(second)) == (1, 0)  # the replay costs nothing
    assert (first.result["cached"], second.result["cached"]) == (False, True)
    for key in ("words", "duration", "characters", "voice_id", "model", "provider"):
        assert first.result[key] == second.result[key], key
    assert default_storage.size(str(second.output.name)) == default_storage.size(str(first.output.name)) > 1000
    row = Voiceover.all_objects.get()
    assert row.profile_id == cast.store_a.pk and row.voice_id == first.result["voice_id"]
    assert row.file.name == f"{cast.store_a.pk}/voiceovers/{row.key}.mp3" and default_storage.exists(row.file.name)
    assert row.last_used_at > row.created_at  # the replay touched it


def test_a_provider_error_is_not_cached(cast: Any, eleven: Running) -> None:
    eleven.state.fail_next(401)
    failed = _speak(cast.store_a)
    assert failed.status == JobStatus.FAILED and not Voiceover.all_objects.exists()
    spoken = _speak(cast.store_a)
    assert spoken.status == JobStatus.SUCCEEDED and spoken.result["cached"] is False
    assert _calls(eleven) == 2 and Voiceover.all_objects.count() == 1


def test_jobs_speaking_the_same_text_at_once_pay_once(cast: Any, eleven: Running) -> None:
    """A clip's preview and final render side by side: the second waits for the first's speech."""
    jobs = [_queue(cast.store_a), _queue(cast.store_a)]
    eleven.state.delay_next(1.0)  # the first synthesis is still under way when the second asks

    def work(job: Job) -> None:
        try:
            run(job)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    done = [reload(job) for job in jobs]
    assert all(job.status == JobStatus.SUCCEEDED for job in done), [job.error for job in done]
    assert _calls(eleven) == 1
    assert sorted(job.result["cached"] for job in done) == [False, True]
    assert CostEntry.all_objects.count() == 1


def test_what_changes_the_audio_is_spoken_again(cast: Any, espeak: None) -> None:
    first = _speak(cast.store_a)
    assert first.status == JobStatus.SUCCEEDED, first.error
    assert (first.result["cached"], _costs(first)) == (False, 1)
    assert _speak(cast.store_a, voice_id="en-us").result["cached"] is True  # the default voice, named
    assert _speak(cast.store_a, text="Fresh shoes for summer.").result["cached"] is False
    assert _speak(cast.store_a, voice_id="en-us+f3").result["cached"] is False
    Profile.objects.filter(pk=cast.store_a.pk).update(tts_settings={"voice_settings": {"rate": 220}})
    faster = _speak(cast.store_a)
    assert (faster.result["cached"], _costs(faster)) == (False, 1)
    assert faster.result["duration"] < first.result["duration"]
    assert Voiceover.all_objects.count() == 4


def test_another_profile_speaks_for_itself(cast: Any, espeak: None) -> None:
    ours, theirs = _speak(cast.store_a), _speak(cast.bob_store)
    assert (ours.result["cached"], theirs.result["cached"]) == (False, False)
    assert _costs(theirs) == 1
    rows = {row.profile_id: row for row in Voiceover.all_objects.all()}
    assert (
        set(rows) == {cast.store_a.pk, cast.bob_store.pk} and rows[cast.store_a.pk].key == rows[cast.bob_store.pk].key
    )
    assert str(rows[cast.bob_store.pk].file.name).startswith(f"{cast.bob_store.pk}/voiceovers/")
    assert _speak(cast.bob_store).result["cached"] is True  # now from its own row


def test_a_refused_voice_is_refused_even_when_cached(cast: Any, eleven: Running) -> None:
    ClonedVoiceFactory(profile=cast.store_a, provider="elevenlabs", voice_id=CLONE)
    params = {"text": TEXT, "voice_id": CLONE, "provider": "elevenlabs"}
    first = make_job(cast.store_a, "tts", params=params)
    run(first)
    assert reload(first).status == JobStatus.SUCCEEDED and Voiceover.all_objects.filter(voice_id=CLONE).exists()
    ClonedVoice.all_objects.filter(voice_id=CLONE).delete()  # the clone is no longer the profile's
    cache.clear()  # its cached voice list too
    again = make_job(cast.store_a, "tts", params=params)
    run(again)
    again = reload(again)
    assert again.status == JobStatus.FAILED and f"voice {CLONE!r} is not available" in again.error
    assert not again.output and _calls(eleven) == 1


def _stored(profile: Any, *, days_unused: float) -> Voiceover:
    row: Voiceover = VoiceoverFactory.create(profile=profile, last_used_at=timezone.now() - timedelta(days=days_unused))
    default_storage.save(row.file.name, ContentFile(b"RIFF" + b"\0" * 100))
    return row


def test_prune_forgets_voiceovers_unused_for_the_cache_days(cast: Any, settings: Any) -> None:
    settings.VOICEOVER_CACHE_DAYS = 30
    stale, fresh, bobs = (_stored(cast.store_a, days_unused=31), _stored(cast.store_a, days_unused=29),
                          _stored(cast.bob_store, days_unused=40))  # fmt: skip
    out = StringIO()
    call_command("prune_media", "--dry-run", stdout=out)
    assert "would delete 0 unreferenced file(s)" in out.getvalue() and "expired 2 cached voiceover(s)" in out.getvalue()
    assert Voiceover.all_objects.count() == 3
    call_command("prune_media", stdout=out)
    assert out.getvalue().strip().endswith("kept 1 referenced and 0 recent; expired 2 cached voiceover(s)")
    assert list(Voiceover.all_objects.values_list("pk", flat=True)) == [fresh.pk]
    assert default_storage.exists(str(fresh.file.name))
    assert not default_storage.exists(str(stale.file.name)) and not default_storage.exists(str(bobs.file.name))


def test_prune_of_one_profile_keeps_the_others_voiceovers(cast: Any) -> None:
    _stored(cast.store_a, days_unused=90)
    bobs = _stored(cast.bob_store, days_unused=90)
    call_command("prune_media", "--profile", str(cast.store_a.pk), stdout=StringIO())
    assert list(Voiceover.all_objects.values_list("pk", flat=True)) == [bobs.pk]


def test_deleting_a_profile_deletes_its_voiceovers(cast: Any, espeak: None) -> None:
    assert _speak(cast.store_b).status == _speak(cast.store_a).status == JobStatus.SUCCEEDED
    gone = Voiceover.all_objects.get(profile=cast.store_b)
    client = api_client_for(cast.alice, cast.store_a)
    assert client.delete(f"/api/v1/profiles/{cast.store_b.pk}/").status_code == 204
    assert list(Voiceover.all_objects.values_list("profile_id", flat=True)) == [cast.store_a.pk]
    assert not default_storage.exists(str(gone.file.name))


def test_the_key_names_every_input_that_changes_the_audio(settings: Any) -> None:
    base: dict[str, Any] = {"provider": "espeak", "model": None, "voice_id": None, "voice_settings": None, "text": TEXT}
    key = voiceover_key(**base)
    assert len(key) == 64 and key == voiceover_key(**{**base, "voice_id": "en-us", "voice_settings": {}})
    for change in ({"provider": "elevenlabs"}, {"voice_id": "en-gb"}, {"voice_settings": {"rate": 200}},
                   {"text": TEXT + " "}, {"model": "other"}):  # fmt: skip
        assert voiceover_key(**{**base, **change}) != key, change
    settings.ESPEAK_VOICE = "en-gb"  # a new default voice: the old default's audio is not replayed
    assert voiceover_key(**base) != key
