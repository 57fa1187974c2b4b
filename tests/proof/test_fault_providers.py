"""Provider faults at the job level, against the loopback fakes: a provider that stops answering
(timeouts) or keeps failing (5xx) fails the job with a clear, user-facing error and leaves
nothing behind; a timeout that hides a success does not make a duplicate.

Covered elsewhere (not repeated here): Gemini 429/500 retried and persistent 5xx failing the
job (tests/library/test_generate_gemini.py), ElevenLabs 401/503 and 429 in the TTS job
(tests/library/test_tts_job.py), Postiz 429 pacing in a bulk job and a worker crash after the
post was created (tests/publishing/test_publish.py), and each adapter's own retry policy for
timeouts, 5xx and 429 (tests/library/test_analysis_gemini.py, test_tts_elevenlabs.py,
tests/publishing/test_postiz_client.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from costs.models import BudgetReservation, CostEntry
from library.models import Clip, ClipStatus, Job, JobStatus
from library.tasks import run_job
from profiles.models import Profile
from profiles.tenancy import profile_scope
from publishing.models import Publication, PublicationStatus
from tests.conftest import api_client_for
from tests.fakes.elevenlabs import KEY as ELEVENLABS_KEY
from tests.fakes.elevenlabs import ElevenLabsHandler, ElevenLabsState
from tests.fakes.gemini import API_KEY as GEMINI_KEY
from tests.fakes.gemini import GeminiHandler, GeminiState
from tests.fakes.postiz import KEY_A, PostizHandler, PostizState, default_state
from tests.fakes.server import Running, running
from tests.library.helpers import upload
from tests.media import CHAPLIN
from tests.proof.world import Samples, World

pytestmark = pytest.mark.django_db(transaction=True)
PUB = "/api/v1/publishing/"


def _run(response: Any, profile: Any) -> Job:
    assert response.status_code == 202, response.content
    run_job(response.json()["id"], profile_id=str(profile.pk))
    return Job.all_objects.get(pk=response.json()["id"])


@pytest.fixture
def postiz(cast: Any) -> Iterator[Running]:
    cache.clear()  # integrations are cached per profile
    with running(PostizHandler, default_state()) as fake:
        Profile.objects.filter(pk=cast.store_a.pk).update(postiz_api_url=fake.url)
        profile = Profile.objects.get(pk=cast.store_a.pk)
        profile.postiz_api_key = KEY_A  # encrypted on save
        profile.save(update_fields=["postiz_api_key"])
        yield fake


def _publish(cast: Any, world: World, fake: Running) -> Any:
    client = api_client_for(cast.alice)
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    body = {"clip": str(world.clip.pk), "integration_ids": [ids["instagram"], ids["tiktok"]], "caption": "Spring"}
    return client.post(f"{PUB}publications/", body, format="json")


def _posts(state: PostizState) -> list[Any]:
    return list(state.org(KEY_A).posts.values())


def test_a_postiz_timeout_after_the_post_was_made_makes_no_duplicate(
    cast: Any, world_a: World, postiz: Running, settings: Any
) -> None:
    settings.POSTIZ_TIMEOUT = 1.0
    postiz.state.hang_after_create = 3.0  # Postiz stores the posts, then answers too late
    job = _run(_publish(cast, world_a, postiz), cast.store_a)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["groups"][0]["recovered"] is True  # it timed out, then found the posts by group
    assert len(postiz.state.calls_to("POST", "/posts")) == 1, "the create was repeated"
    assert len(_posts(postiz.state)) == 2  # one post per integration, once
    rows = Publication.all_objects.filter(job=job)
    assert {r.status for r in rows} == {PublicationStatus.SUBMITTED}
    assert {r.postiz_post_id for r in rows} == {p.id for p in _posts(postiz.state)}


def test_postiz_answering_5xx_for_good_fails_the_job_clearly(
    cast: Any, world_a: World, postiz: Running, settings: Any
) -> None:
    response = _publish(cast, world_a, postiz)
    postiz.state.fail_next(503, times=100)
    job = _run(response, cast.store_a)
    assert job.status == JobStatus.FAILED
    assert "Postiz" in job.error and "Internal error" not in job.error, job.error
    assert _posts(postiz.state) == []
    assert {r.status for r in Publication.all_objects.filter(job=job)} == {PublicationStatus.FAILED}


def test_an_elevenlabs_timeout_fails_the_render_and_keeps_the_clips_final(
    cast: Any, world_a: World, samples: Samples, settings: Any
) -> None:
    state = ElevenLabsState()
    state.delay_next(3.0, times=10)  # never answers in time
    with running(ElevenLabsHandler, state) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL, settings.ELEVENLABS_TIMEOUT = (
            ELEVENLABS_KEY, fake.url, 0.5,
        )  # fmt: skip
        client = api_client_for(cast.alice)
        client.patch(
            f"/api/v1/library/clips/{world_a.clip.pk}/content/", {"script_text": "Fresh shoes."}, format="json"
        )
        job = _run(client.post(f"/api/v1/library/clips/{world_a.clip.pk}/render/", {"preset": "tiktok"},
                               format="json"), cast.store_a)  # fmt: skip
    assert job.status == JobStatus.FAILED
    assert "did not answer within 0.5 s" in job.error and "Internal error" not in job.error, job.error
    clip = Clip.all_objects.get(pk=world_a.clip.pk)
    assert (clip.status, clip.final_file.name) == (ClipStatus.FINAL, world_a.clip.final_file.name)
    assert not CostEntry.all_objects.filter(job_id=job.pk).exists()
    assert set(BudgetReservation.all_objects.filter(job_id=job.pk).values_list("status", flat=True)) <= {"released"}


def test_a_gemini_timeout_fails_the_generate_job_clearly(cast: Any, sample_media: Path, settings: Any) -> None:
    state = GeminiState()
    state.delay_next(3.0, times=20)
    with running(GeminiHandler, state) as fake:
        settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL = GEMINI_KEY, fake.url
        settings.GEMINI_TIMEOUT, settings.GEMINI_MAX_RETRIES = 0.5, 1
        client = api_client_for(cast.alice)
        video = upload(client, sample_media / CHAPLIN).json()
        project = client.post("/api/v1/library/projects/", {"name": "Tramp"}, format="json").json()
        job = _run(client.post(f"/api/v1/library/projects/{project['id']}/generate/",
                               {"source_video": video["id"], "variant_count": 1}, format="json"), cast.store_a)  # fmt: skip
    assert job.status == JobStatus.FAILED
    assert "Gemini" in job.error and "Internal error" not in job.error, job.error
    with profile_scope(cast.store_a):
        assert not Clip.objects.filter(project_id=project["id"]).exists()
    assert BudgetReservation.all_objects.get(job_id=job.pk).status == "released"
