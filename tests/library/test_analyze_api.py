"""POST /api/v1/library/source-videos/{id}/analyze/: a 202 job whose result lists the scored
segments (local analysis on real footage, Gemini through its loopback fake)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costs.models import BudgetReservation
from library.models import Job, JobStatus, Segment
from profiles.models import Profile
from tests.conftest import api_client_for
from tests.fakes.gemini import API_KEY, GeminiHandler, GeminiState
from tests.fakes.server import Running, running
from tests.jobs import reload, run
from tests.library.helpers import upload
from tests.media import BBB, make_video

pytestmark = pytest.mark.django_db(transaction=True)
VIDEOS = "/api/v1/library/source-videos/"
JOB_FIELDS = {"id", "kind", "status", "progress", "error", "result", "attempts", "created_at", "started_at",
              "finished_at"}  # fmt: skip


def _analyze(client: Any, video_id: str, **body: Any) -> Any:
    return client.post(f"{VIDEOS}{video_id}/analyze/", body, format="json")


def _run(job_id: str) -> Job:
    run(job_id)
    return reload(job_id)


@pytest.fixture
def bbb(cast: Any, sample_media: Path, settings: Any) -> dict:
    settings.GEMINI_API_KEY = ""
    return upload(api_client_for(cast.alice), sample_media / BBB).json()


@pytest.fixture
def small(cast: Any, tmp_path: Path) -> dict:
    return upload(api_client_for(cast.alice), make_video(tmp_path / "small.mp4", seconds=4)).json()


@pytest.fixture
def gemini(settings: Any) -> Iterator[Running]:
    with running(GeminiHandler, GeminiState()) as fake:
        settings.GEMINI_API_KEY = API_KEY
        settings.GEMINI_BASE_URL = fake.url
        settings.GEMINI_MAX_RETRIES = 1
        yield fake


def test_it_answers_202_with_a_job_whose_result_lists_the_scored_segments(cast: Any, bbb: dict) -> None:
    client = api_client_for(cast.alice)
    response = _analyze(client, bbb["id"], provider="local", context_text="a rabbit in a forest")
    assert response.status_code == 202, response.content
    assert set(response.json()) >= JOB_FIELDS and response.json()["kind"] == "analyze"
    assert response.json()["status"] == "queued"
    job = _run(response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    result = job.result
    assert {"analysis", "provider", "cached", "segments"} <= set(result)
    assert result["provider"] == "local" and result["cached"] is False
    assert result["segments"], "the local analysis found no segment in 30 s of footage"
    stored = {str(s.pk): s for s in Segment.all_objects.filter(analysis_id=result["analysis"])}
    assert {s["id"] for s in result["segments"]} == set(stored)
    for seg in result["segments"]:
        assert set(seg) == {"id", "start", "end", "score", "keywords", "notes"}
        assert 0 <= seg["start"] < seg["end"] <= bbb["duration"] + 0.05
        assert 0 <= seg["score"] <= 100
        assert isinstance(seg["keywords"], list) and isinstance(seg["notes"], str)
        assert (seg["start"], seg["end"]) == (stored[seg["id"]].start, stored[seg["id"]].end)
    # The same result through the jobs API, as a client polling it sees it.
    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["result"]["segments"] == result["segments"]


def test_a_second_analysis_with_the_same_context_is_cached(cast: Any, small: dict, settings: Any) -> None:
    settings.GEMINI_API_KEY = ""
    client = api_client_for(cast.alice)
    first = _run(_analyze(client, small["id"], context_text="demo").json()["id"])
    second = _run(_analyze(client, small["id"], context_text="  DEMO ").json()["id"])
    assert first.status == second.status == JobStatus.SUCCEEDED, (first.error, second.error)
    assert first.result["cached"] is False and second.result["cached"] is True
    assert second.result["analysis"] == first.result["analysis"]
    assert second.result["segments"] == first.result["segments"]
    other = _run(_analyze(client, small["id"], context_text="another brief").json()["id"])
    assert other.result["cached"] is False and other.result["analysis"] != first.result["analysis"]


def test_it_checks_ownership(cast: Any, small: dict) -> None:
    for stranger in (api_client_for(cast.bob), api_client_for(cast.alice, cast.store_b)):
        response = _analyze(stranger, small["id"], provider="local")
        assert response.status_code == 404
    assert not Job.all_objects.filter(kind="analyze").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"provider": "oracle"}, "provider"), ({"provider": "gemini"}, "provider"), ({"context_text": "x" * 5001}, "context_text")],
)  # fmt: skip
def test_it_refuses_a_provider_it_cannot_use_and_bad_bodies(
    cast: Any, small: dict, settings: Any, body: dict, field: str
) -> None:
    settings.GEMINI_API_KEY = ""
    response = _analyze(api_client_for(cast.alice), small["id"], **body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Job.all_objects.exists()


def test_a_gemini_analysis_reserves_its_estimate_and_commits_it(cast: Any, small: dict, gemini: Running) -> None:
    response = _analyze(api_client_for(cast.alice), small["id"], provider="gemini")
    assert response.status_code == 202, response.content
    assert BudgetReservation.all_objects.get(job_id=response.json()["id"]).status == "held"
    job = _run(response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["provider"] == "gemini" and gemini.state.calls
    assert BudgetReservation.all_objects.get(job_id=job.pk).status == "committed"


def test_a_gemini_analysis_over_budget_is_refused_before_the_job(cast: Any, small: dict, gemini: Running) -> None:
    Profile.objects.filter(pk=cast.store_a.pk).update(monthly_budget_usd=Decimal("0.000001"))
    response = _analyze(api_client_for(cast.alice), small["id"], provider="gemini")
    assert response.status_code == 402, response.content
    assert not Job.all_objects.exists() and gemini.state.calls == []
