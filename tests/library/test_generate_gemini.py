"""Generating with Gemini (the fake, over loopback): costs, caching, budget, failure modes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costs.models import BudgetReservation, CostEntry
from library.models import Clip, Job, JobStatus, Segment
from library.tasks import run_job
from profiles.models import Profile
from tests.conftest import api_client_for
from tests.fakes.gemini import API_KEY, GeminiHandler, GeminiState
from tests.fakes.server import Running, running
from tests.library.helpers import upload
from tests.media import CHAPLIN

pytestmark = pytest.mark.django_db(transaction=True)
PROJECTS = "/api/v1/library/projects/"


@pytest.fixture
def gemini(settings: Any) -> Iterator[Running]:
    with running(GeminiHandler, GeminiState(expected_context="vintage comedy")) as fake:
        settings.GEMINI_API_KEY = API_KEY
        settings.GEMINI_BASE_URL = fake.url
        settings.GEMINI_MAX_RETRIES = 2
        yield fake


@pytest.fixture
def chaplin(cast: Any, sample_media: Path) -> dict:
    return upload(api_client_for(cast.alice), sample_media / CHAPLIN).json()


def _generate(cast: Any, chaplin: dict, name: str = "Tramp") -> Job:
    client = api_client_for(cast.alice)
    project = client.post(PROJECTS, {"name": name, "target_duration": 4, "context_text": "vintage comedy"},
                          format="json").json()  # fmt: skip
    response = client.post(f"{PROJECTS}{project['id']}/generate/", {"source_video": chaplin["id"], "variant_count": 1},
                           format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    run_job(response.json()["id"], profile_id=str(cast.store_a.pk))
    return Job.all_objects.get(pk=response.json()["id"])


def test_gemini_picks_the_segments_and_its_tokens_are_costed(cast: Any, gemini: Running, chaplin: dict) -> None:
    job = _generate(cast, chaplin)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["analysis"]["provider"] == "gemini"
    calls = gemini.state.answered
    assert calls and sum(c.images for c in calls) == pytest.approx(chaplin["duration"] / 2, abs=1)
    assert all("vintage comedy" in c.prompt for c in calls)
    entries = list(CostEntry.all_objects.filter(job_id=job.pk, provider="gemini"))
    assert len(entries) == len(calls)
    for entry, call in zip(sorted(entries, key=lambda e: e.created_at), calls, strict=True):
        assert entry.units["input_tokens"] == call.usage["promptTokenCount"]
        assert entry.units["thinking_tokens"] == call.usage.get("thoughtsTokenCount", 0)
        # gemini-2.5-flash: $0.30 per million input, $2.50 per million output (thinking included).
        expected = (Decimal(call.usage["promptTokenCount"]) * Decimal("0.30")
                    + Decimal(call.usage["candidatesTokenCount"] + call.usage.get("thoughtsTokenCount", 0)) * Decimal("2.50")
                    ) / Decimal(1_000_000)  # fmt: skip
        assert entry.cost_usd == expected.quantize(Decimal("0.000001"))
    assert Segment.all_objects.filter(source_video_id=chaplin["id"], origin="ai").exists()
    assert BudgetReservation.all_objects.get(job_id=job.pk).status == "committed"
    assert Clip.all_objects.filter(project_id=job.project_id).count() == 1


def test_a_second_generate_makes_no_gemini_call(cast: Any, gemini: Running, chaplin: dict) -> None:
    assert _generate(cast, chaplin, "First").status == JobStatus.SUCCEEDED
    calls = len(gemini.state.calls)
    second = _generate(cast, chaplin, "Second")
    assert second.status == JobStatus.SUCCEEDED and second.result["analysis"]["cached"] is True
    assert len(gemini.state.calls) == calls
    assert not BudgetReservation.all_objects.filter(job_id=second.pk).exists()  # nothing to pay, nothing held


def test_429_and_500_are_retried(cast: Any, gemini: Running, chaplin: dict) -> None:
    gemini.state.fail_next(429, times=1, retry_delay=0.1)
    gemini.state.fail_next(500, times=1)
    job = _generate(cast, chaplin)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert [c.status for c in gemini.state.calls][:2] == [429, 500]


def test_persistent_errors_fail_the_job_clearly_and_release_the_budget(
    cast: Any, gemini: Running, chaplin: dict
) -> None:
    gemini.state.fail_next(503, times=10)
    job = _generate(cast, chaplin)
    assert job.status == JobStatus.FAILED
    assert "Gemini" in job.error and "Internal error" not in job.error
    assert BudgetReservation.all_objects.get(job_id=job.pk).status == "released"


def test_a_malformed_answer_falls_back_to_local_analysis_and_says_so(cast: Any, gemini: Running, chaplin: dict) -> None:
    gemini.state.malformed_next("not_json", times=5)
    job = _generate(cast, chaplin)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["analysis"]["provider"] == "local"
    assert any("malformed" in note for note in job.result["analysis"]["notes"])


def test_over_budget_is_refused_before_the_job(cast: Any, gemini: Running, chaplin: dict) -> None:
    Profile.objects.filter(pk=cast.store_a.pk).update(monthly_budget_usd=Decimal("0.0001"))
    client = api_client_for(cast.alice)
    project = client.post(PROJECTS, {"name": "Broke", "target_duration": 4}, format="json").json()
    response = client.post(f"{PROJECTS}{project['id']}/generate/", {"source_video": chaplin["id"], "variant_count": 1},
                           format="json")  # fmt: skip
    assert response.status_code == 402
    assert not Job.all_objects.exists()
    assert client.get(f"{PROJECTS}{project['id']}/").json()["status"] == "draft"
    assert gemini.state.calls == []
