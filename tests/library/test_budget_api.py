"""Budgets at the API: costed work is refused with 402 before any job exists."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from costs.models import BudgetReservation
from library.models import Clip, ClipStatus, Job, Project
from profiles.models import Profile
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for

TEXT = "x" * 100  # ElevenLabs multilingual: 100 characters = $0.03


@pytest.fixture
def paid_voice(settings: Any) -> None:
    settings.ELEVENLABS_API_KEY = "test-key"  # never called: the budget refuses first


def _budget(profile: Any, usd: str) -> None:
    Profile.objects.filter(pk=profile.pk).update(monthly_budget_usd=Decimal(usd))


def test_a_tts_request_over_budget_is_402_and_creates_no_job(cast: Any, paid_voice: None) -> None:
    _budget(cast.store_a, "0.01")
    response = api_client_for(cast.alice).post("/api/v1/tts/generate/", {"text": TEXT}, format="json")
    assert response.status_code == 402
    assert response.json()["code"] == "budget_exceeded"
    assert "$0.03" in response.json()["detail"]
    assert not Job.all_objects.exists() and not BudgetReservation.all_objects.exists()


def test_espeak_costs_nothing_so_it_is_never_refused(cast: Any, settings: Any) -> None:
    settings.ELEVENLABS_API_KEY = ""
    _budget(cast.store_a, "0")
    response = api_client_for(cast.alice).post("/api/v1/tts/generate/", {"text": TEXT}, format="json")
    assert response.status_code == 202


def test_a_render_over_budget_leaves_the_clip_as_it_was(cast: Any, paid_voice: None) -> None:
    _budget(cast.store_a, "0.01")
    with profile_scope(cast.store_a):
        clip = Clip.objects.create(project=Project.objects.create(name="P"), variant_index=1, script_text=TEXT,
                                   cut_list=[{"source_video": "x", "start": 0, "end": 1}])  # fmt: skip
    response = api_client_for(cast.alice).post(f"/api/v1/library/clips/{clip.pk}/render/", {}, format="json")
    assert response.status_code == 402
    assert Clip.all_objects.get(pk=clip.pk).status == ClipStatus.RAW
    assert not Job.all_objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_that_only_fit_alone_let_exactly_one_through(cast: Any, paid_voice: None) -> None:
    _budget(cast.store_a, "0.05")  # each needs $0.03
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def request() -> None:
        client = api_client_for(cast.alice)
        barrier.wait()
        codes.append(client.post("/api/v1/tts/generate/", {"text": TEXT}, format="json").status_code)
        from django.db import connection

        connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [202, 402]
    assert Job.all_objects.count() == 1
    assert BudgetReservation.all_objects.get().estimate_usd == Decimal("0.03")


def _failed_paid_tts(client: Any) -> dict:
    """A paid TTS job ($0.03 held) that then failed: its estimate is released."""
    from library.services.jobs import job_cancel

    response = client.post("/api/v1/tts/generate/", {"text": TEXT}, format="json")
    assert response.status_code == 202, response.content
    job = Job.all_objects.get(pk=response.json()["id"])
    with profile_scope(job.profile):
        job_cancel(job=job)
    assert BudgetReservation.all_objects.get(job_id=job.pk).status == BudgetReservation.Status.RELEASED
    return response.json()


def test_a_retry_reserves_its_estimate_again(cast: Any, paid_voice: None) -> None:
    _budget(cast.store_a, "0.05")
    client = api_client_for(cast.alice)
    job = _failed_paid_tts(client)
    response = client.post(f"/api/v1/jobs/{job['id']}/retry/")
    assert response.status_code == 202, response.content
    held = BudgetReservation.all_objects.get(job_id=job["id"])
    assert (held.status, held.estimate_usd) == (BudgetReservation.Status.HELD, Decimal("0.03"))
    # Held again, it counts: a second $0.03 job no longer fits the $0.05 budget.
    assert client.post("/api/v1/tts/generate/", {"text": TEXT}, format="json").status_code == 402


def test_a_retry_over_the_budget_is_402_and_leaves_the_job_as_it_was(cast: Any, paid_voice: None) -> None:
    from tests.costs.utils import record_in

    _budget(cast.store_a, "0.05")
    client = api_client_for(cast.alice)
    job = _failed_paid_tts(client)
    record_in(cast.store_a, "0.04")  # spent meanwhile: $0.04 + $0.03 > $0.05
    response = client.post(f"/api/v1/jobs/{job['id']}/retry/")
    assert response.status_code == 402
    assert response.json()["code"] == "budget_exceeded"
    assert Job.all_objects.get(pk=job["id"]).status == "cancelled"
    assert BudgetReservation.all_objects.get(job_id=job["id"]).status == BudgetReservation.Status.RELEASED
