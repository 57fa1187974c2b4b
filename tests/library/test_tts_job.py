"""The TTS job end to end against the fake ElevenLabs: audio out, words, cost, clear failures."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage

from costs.models import CostEntry
from library.models import Job, JobStatus
from tests.conftest import api_client_for
from tests.fakes.elevenlabs import KEY, ElevenLabsHandler, ElevenLabsState
from tests.fakes.server import running
from tests.jobs import reload, run

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = "Fresh shoes for spring."


def _speak(cast: Any, **body: Any) -> Job:
    """POST /tts/generate/ as alice, run the job it queued, and return it finished."""
    response = api_client_for(cast.alice).post("/api/v1/tts/generate/", {"text": TEXT, **body}, format="json")
    assert response.status_code == 202, response.content
    run(response.json()["id"])
    return reload(response.json()["id"])


def test_elevenlabs_speech_with_words_and_its_cost(cast: Any, settings: Any) -> None:
    with running(ElevenLabsHandler, ElevenLabsState()) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        job = _speak(cast)
        call = fake.state.calls[-1]
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert [w["word"] for w in job.result["words"]] == TEXT.split()
    assert all(a["start"] < a["end"] <= b["start"] + 1e-6 for a, b in itertools.pairwise(job.result["words"]))
    assert default_storage.size(job.output.name) > 1000
    assert call.key == KEY and call.body["text"] == TEXT and call.body["model_id"] == "eleven_multilingual_v2"
    entry = CostEntry.all_objects.get(job_id=job.pk)
    assert entry.units == {"characters": len(TEXT)}
    assert entry.cost_usd == (Decimal(len(TEXT)) * Decimal("0.30") / 1000).quantize(Decimal("0.000001"))


@pytest.mark.parametrize(("status", "expected"), [(401, "ElevenLabs key rejected"), (503, "ElevenLabs")])
def test_failures_are_retried_then_clear(cast: Any, settings: Any, status: int, expected: str) -> None:
    state = ElevenLabsState()
    state.fail_next(status, times=10)
    with running(ElevenLabsHandler, state) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        job = _speak(cast)
    assert job.status == JobStatus.FAILED
    assert expected in job.error and "Internal error" not in job.error
    assert len(state.calls) == (1 if status == 401 else 3)  # auth is final; a 5xx is tried 3 times
    assert not CostEntry.all_objects.exists()


def test_a_429_then_success(cast: Any, settings: Any) -> None:
    state = ElevenLabsState()
    state.fail_next(429, times=1, retry_after=0.1)
    with running(ElevenLabsHandler, state) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        job = _speak(cast)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert CostEntry.all_objects.filter(job_id=job.pk).count() == 1
