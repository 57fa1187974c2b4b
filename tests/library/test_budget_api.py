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
