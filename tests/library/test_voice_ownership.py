"""Cloned voices are profile-owned. The fake ElevenLabs is ONE shared account, like the real
service (every clone in it is visible to every caller): the isolation is ours, proven here
through our API. Store A clones a voice; Store B (alice's other store) and Bob's store may
neither list it nor speak in it, whichever door they try; deleting a store deletes its clones
at the provider once the deletion commits."""

from __future__ import annotations

import ast
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django_q.conf import Conf
from django_q.models import Schedule

from library.models import Clip, ClonedVoice, Job, JobStatus, SourceVideo
from library.services.voices import DELETE_ATTEMPTS
from library.tasks import delete_cloned_voices, run_job
from profiles.models import Profile
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.factories import ClipFactory, SourceVideoFactory, UserFactory
from tests.fakes.elevenlabs import KEY, STOCK_VOICE, ElevenLabsHandler, ElevenLabsState, FakeVoice
from tests.fakes.server import Running, running

VOICES = "/api/v1/tts/voices/"
CLONE = "/api/v1/tts/clone-voice/"
# Voices the account held before voices had owners: made outside EditAI or before this change.
OLD_CLONE = "OldCloneOfSomeone00A"
DESIGNED = "DesignedVoice0000000"
LIBRARY = "LibraryVoiceCopied00"


@pytest.fixture
def eleven(settings: Any) -> Iterator[Running]:
    state = ElevenLabsState()
    state.voices[OLD_CLONE] = FakeVoice(OLD_CLONE, "Somebody's own voice", category="cloned")
    state.voices[DESIGNED] = FakeVoice(DESIGNED, "Designed for a client", category="generated")
    state.voices[LIBRARY] = FakeVoice(LIBRARY, "Narrator", category="professional", sharing={"status": "copied"})
    with running(ElevenLabsHandler, state) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        yield fake
    cache.clear()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.wav"
    text = "Welcome to our shop. We sell shoes that fit, and we are glad you came by today. " * 2
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, timeout=60)
    return path


def clone_through_api(client: Any, sample: Path, name: str = "Shop voice") -> str:
    with sample.open("rb") as handle:
        response = client.post(CLONE, {"name": name, "files": [handle]}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def listed(client: Any) -> set[str]:
    response = client.get(VOICES)
    assert response.status_code == 200, response.content
    return {voice["id"] for voice in response.json()}


@pytest.fixture
def a_clone(cast: Any, eleven: Running, sample: Path) -> str:
    """Store A (alice's default) cloned a voice through the API."""
    return clone_through_api(api_client_for(cast.alice, cast.store_a), sample)


def _clip(profile: Profile) -> Clip:
    clip: Clip = ClipFactory.create(profile=profile)
    return clip


def _video(profile: Profile) -> SourceVideo:
    video: SourceVideo = SourceVideoFactory.create(profile=profile)
    return video


def _use_voice(door: str, client: Any, profile: Profile, voice_id: str) -> Any:
    """Send `voice_id` through one of the API's doors, as `profile`."""
    if door == "clip-content":
        clip = _clip(profile)
        return client.patch(f"/api/v1/library/clips/{clip.pk}/content/", {"voice_id": voice_id}, format="json")
    if door == "tts-generate":
        return client.post("/api/v1/tts/generate/", {"text": "Hello there.", "voice_id": voice_id}, format="json")
    if door == "add-voiceover":
        body = {"source_videos": [str(_video(profile).pk)], "text": "Hello there.", "voice": voice_id}
        return client.post("/api/v1/tools/add-voiceover/", body, format="json")
    if door == "one-click":
        body = {"source_video": str(_video(profile).pk), "script_text": "Hello there.", "voice_id": voice_id}
        return client.post("/api/v1/library/one-click/", body, format="json")
    if door == "profile-voice":
        return client.patch(f"/api/v1/profiles/{profile.pk}/", {"tts_voice_id": voice_id}, format="json")
    if door == "profile-tts-settings":
        body = {"tts_provider": "elevenlabs", "tts_voice_id": voice_id}
        return client.patch(f"/api/v1/profiles/{profile.pk}/", body, format="json")
    raise AssertionError(door)


DOORS = ["clip-content", "tts-generate", "add-voiceover", "one-click", "profile-voice", "profile-tts-settings"]


def _written(profile: Profile) -> tuple[int, list[str], str]:
    """What a refused request must not have changed: jobs, clip voices, the profile's voice."""
    with profile_scope(profile):
        jobs = Job.objects.count()
        voices = list(Clip.objects.exclude(voice_id="").values_list("voice_id", flat=True))
    return jobs, voices, Profile.objects.get(pk=profile.pk).tts_voice_id


# -- listing ----------------------------------------------------------------------------------


def test_a_clone_is_listed_to_its_own_profile_only(cast: Any, a_clone: str) -> None:
    mine = listed(api_client_for(cast.alice, cast.store_a))
    assert a_clone in mine
    for client in (api_client_for(cast.alice, cast.store_b), api_client_for(cast.bob)):
        assert a_clone not in listed(client)


def test_stock_voices_are_everyones_and_unowned_clones_nobodys(cast: Any, eleven: Running) -> None:
    for client in (api_client_for(cast.alice, cast.store_a), api_client_for(cast.bob)):
        voices = listed(client)
        assert {STOCK_VOICE, "21m00Tcm4TlvDq8ikWAM", LIBRARY} <= voices  # premade and Voice Library
        assert not {OLD_CLONE, DESIGNED} & voices  # the account's own voices, owned by no profile


def test_the_cloned_voice_is_recorded_for_the_profile_that_made_it(cast: Any, a_clone: str) -> None:
    (row,) = ClonedVoice.all_objects.all()
    assert (row.profile_id, row.provider, row.voice_id) == (cast.store_a.pk, "elevenlabs", a_clone)
    assert row.name == "Shop voice"
    assert Profile.objects.get(pk=cast.store_a.pk).tts_voice_id == a_clone


# -- using a voice ----------------------------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("stranger", ["alices-other-store", "bobs-store"])
def test_another_profiles_clone_is_refused_at_every_door(cast: Any, a_clone: str, door: str, stranger: str) -> None:
    user, profile = (cast.alice, cast.store_b) if stranger == "alices-other-store" else (cast.bob, cast.bob_store)
    client = api_client_for(user, profile)
    before = _written(profile)
    response = _use_voice(door, client, profile, a_clone)
    assert response.status_code == 400, response.content
    message = str(response.json())
    assert "voice" in message.lower() and a_clone in message
    assert _written(profile) == before
    # The same answer as for a voice that does not exist: nothing says whose it is.
    assert "Store A" not in message and "alice" not in message


@pytest.mark.parametrize("door", DOORS)
def test_own_clone_and_stock_voices_pass_every_door(cast: Any, a_clone: str, door: str) -> None:
    client = api_client_for(cast.alice, cast.store_a)
    for voice_id in (a_clone, STOCK_VOICE, LIBRARY):
        response = _use_voice(door, client, cast.store_a, voice_id)
        assert response.status_code in (200, 202), (voice_id, response.content)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("voice_id", [OLD_CLONE, DESIGNED, "NoSuchVoiceAnywhere0"])
def test_unowned_and_unknown_voices_are_refused(cast: Any, eleven: Running, door: str, voice_id: str) -> None:
    response = _use_voice(door, api_client_for(cast.alice, cast.store_a), cast.store_a, voice_id)
    assert response.status_code == 400, response.content
    assert "GET /api/v1/tts/voices/" in str(response.json())


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("voice_id", ["../../v1/user/subscription", "a" * 101, "JBFqnCBsd6RM?x=1#", "  "])
def test_malformed_voice_ids_never_reach_the_provider(cast: Any, eleven: Running, door: str, voice_id: str) -> None:
    response = _use_voice(door, api_client_for(cast.alice, cast.store_a), cast.store_a, voice_id)
    if voice_id.strip():
        assert response.status_code == 400, response.content
    else:
        assert response.status_code in (200, 202)  # blank: the profile's (or provider's) default voice
    assert eleven.state.calls == []  # refused on its form: no listing, nothing sent anywhere


def test_a_voice_set_before_voices_had_owners_is_refused_when_the_job_runs(cast: Any, eleven: Running) -> None:
    """A profile whose voice was set to someone's clone before this change (no API check then)."""
    Profile.objects.filter(pk=cast.bob_store.pk).update(tts_voice_id=OLD_CLONE)
    response = api_client_for(cast.bob).post("/api/v1/tts/generate/", {"text": "Hello there."}, format="json")
    assert response.status_code == 202
    run_job(response.json()["id"], profile_id=str(cast.bob_store.pk))
    job = Job.all_objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.FAILED
    assert f"voice {OLD_CLONE!r} is not available to this profile" in job.error
    assert eleven.state.calls_to("POST", r"/v1/text-to-speech/.*") == []


def test_espeak_voices_are_checked_against_the_installed_list(cast: Any, settings: Any) -> None:
    settings.ELEVENLABS_API_KEY = ""
    client = api_client_for(cast.alice, cast.store_a)
    for voice_id, status in (("en-us+f3", 202), ("gmw/en-GB-x-rp", 202), ("xx-nowhere", 400), ("en;rm -rf", 400)):
        response = client.post("/api/v1/tts/generate/", {"text": "Hello.", "voice_id": voice_id}, format="json")
        assert response.status_code == status, (voice_id, response.content)


# -- the voice list is cached per profile -----------------------------------------------------


def test_the_voice_list_is_cached_per_profile(cast: Any, eleven: Running, sample: Path) -> None:
    a, b = api_client_for(cast.alice, cast.store_a), api_client_for(cast.alice, cast.store_b)
    listed(a)
    listed(a)
    assert len(eleven.state.calls_to("GET", "/v2/voices")) == 1
    listed(b)  # another profile: its own entry, never A's
    assert len(eleven.state.calls_to("GET", "/v2/voices")) == 2
    voice_id = clone_through_api(a, sample)
    assert voice_id in listed(a)  # a new clone refreshes its profile's entry
    assert voice_id not in listed(b)


def test_a_slow_provider_is_a_502_not_a_hung_request(cast: Any, eleven: Running, settings: Any) -> None:
    settings.PROVIDER_REQUEST_TIMEOUT = 0.5
    eleven.state.delay_next(3.0)
    response = api_client_for(cast.alice, cast.store_a).get(VOICES)
    assert response.status_code == 502
    assert "ElevenLabs" in response.json()["detail"]


# -- deleting a profile deletes its clones at the provider -------------------------------------


@pytest.fixture
def sync_q2(monkeypatch: Any) -> None:
    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 runs enqueued tasks at once, in-process


def test_deleting_a_profile_deletes_its_clones_after_commit(
    cast: Any, eleven: Running, sample: Path, sync_q2: None, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    client = api_client_for(cast.alice, cast.store_b)
    b_clone = clone_through_api(client, sample, name="Store B voice")
    a_clone = clone_through_api(api_client_for(cast.alice, cast.store_a), sample)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        assert client.delete(f"/api/v1/profiles/{cast.store_b.pk}/").status_code == 204
    assert eleven.state.deleted == []  # nothing leaves before the deletion commits
    for callback in pending:
        callback()
    assert eleven.state.deleted == [b_clone]
    assert a_clone in eleven.state.voices and b_clone not in eleven.state.voices
    assert list(ClonedVoice.all_objects.values_list("voice_id", flat=True)) == [a_clone]
    assert f"deleted elevenlabs voice {b_clone}" in caplog.text


def test_a_failed_deletion_is_retried_later(cast: Any, eleven: Running, caplog: Any) -> None:
    eleven.state.voices["ToBeDeleted000000001"] = FakeVoice("ToBeDeleted000000001", "B", category="cloned")
    eleven.state.fail_next(429, times=3, retry_after=0)  # the adapter's three attempts, all refused
    caplog.set_level(logging.INFO)
    outcome = delete_cloned_voices("elevenlabs", ["ToBeDeleted000000001", "GoneAlready000000002"])
    assert "1 left" in outcome and eleven.state.deleted == []
    (retry,) = Schedule.objects.filter(func="library.tasks.delete_cloned_voices")
    assert retry.schedule_type == Schedule.ONCE and retry.next_run is not None
    assert "will retry" in caplog.text
    # The retry carries only what is left, and the attempt number.
    outcome = delete_cloned_voices(*ast.literal_eval(retry.args), **ast.literal_eval(retry.kwargs))
    assert eleven.state.deleted == ["ToBeDeleted000000001"] and "0 left" in outcome


def test_deletion_gives_up_after_the_last_attempt(cast: Any, eleven: Running, caplog: Any) -> None:
    eleven.state.voices["ToBeDeleted000000001"] = FakeVoice("ToBeDeleted000000001", "B", category="cloned")
    eleven.state.fail_next(429, times=3, retry_after=0)
    delete_cloned_voices("elevenlabs", ["ToBeDeleted000000001"], attempt=DELETE_ATTEMPTS)
    assert not Schedule.objects.filter(func="library.tasks.delete_cloned_voices").exists()
    assert "gave up deleting elevenlabs voice ToBeDeleted000000001" in caplog.text


# -- staff assign the voices that were in the account before ----------------------------------


@pytest.fixture
def staff(db: Any) -> Client:
    client = Client()
    client.force_login(UserFactory(username="support", is_staff=True, is_superuser=True))
    return client


def test_staff_assign_an_existing_clone_to_a_profile(cast: Any, eleven: Running, staff: Client) -> None:
    bob = api_client_for(cast.bob)
    listed(bob)  # cached before the assignment: the assignment must refresh it
    page = staff.get("/admin/library/clonedvoice/")
    assert page.status_code == 200 and OLD_CLONE in page.content.decode()  # shown as not yet assigned
    response = staff.post(
        "/admin/library/clonedvoice/add/",
        {"owner": str(cast.bob_store.pk), "provider": "elevenlabs", "voice_id": OLD_CLONE, "name": "Bob's voice"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert OLD_CLONE in listed(bob)
    assert OLD_CLONE not in listed(api_client_for(cast.alice, cast.store_a))
    assert _use_voice("tts-generate", bob, cast.bob_store, OLD_CLONE).status_code == 202
    # A voice belongs to one profile at most.
    again = staff.post(
        "/admin/library/clonedvoice/add/",
        {"owner": str(cast.store_a.pk), "provider": "elevenlabs", "voice_id": OLD_CLONE, "name": "Mine"},
    )
    assert again.status_code == 200 and "This voice already belongs to a profile." in again.content.decode()
    # Moved to another profile: from then on that one only.
    row = ClonedVoice.all_objects.get(voice_id=OLD_CLONE)
    change = f"/admin/library/clonedvoice/{row.pk}/change/"
    assert staff.get(change).status_code == 200
    assert staff.post(change, {"owner": str(cast.store_a.pk), "name": "Now A's"}).status_code == 302
    assert OLD_CLONE not in listed(bob)
    assert OLD_CLONE in listed(api_client_for(cast.alice, cast.store_a))


def test_staff_cannot_assign_a_voice_the_account_does_not_have(cast: Any, eleven: Running, staff: Client) -> None:
    for voice_id in ("NoSuchVoiceAnywhere0", "../../v1/user"):
        response = staff.post(
            "/admin/library/clonedvoice/add/",
            {"owner": str(cast.bob_store.pk), "provider": "elevenlabs", "voice_id": voice_id, "name": "x"},
        )
        assert response.status_code == 200, voice_id
    assert not ClonedVoice.all_objects.exists()
