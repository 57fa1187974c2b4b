from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from editai import dashboard
from profiles.tenancy import current_profile, profile_scope
from tests.conftest import api_client_for
from tests.costs.utils import record_in, set_budget
from tests.scopedapp.models import Note


def url(profile: Any, query: str = "") -> str:
    return f"/api/v1/profiles/{profile.pk}/dashboard/{query}"


def test_it_shows_the_chosen_profiles_costs_and_budget(cast: Any, alice_client: Any) -> None:
    set_budget(cast.store_b, "20")
    record_in(cast.store_b, "1.25", units={"characters": 500})
    record_in(cast.store_b, "0.75", provider="gemini", model="gemini-2.5-pro", units={"input_tokens": 9})
    record_in(cast.store_a, "5")  # alice's default store: not this dashboard
    record_in(cast.bob_store, "7")

    response = alice_client.get(url(cast.store_b))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["profile"] == {"id": str(cast.store_b.pk), "name": "Store B"}
    assert body["range"] == "30d"
    assert body["counts"] == {}  # no app registers counters yet: nothing is invented
    assert body["costs"]["total_usd"] == "2.000000"
    assert [(g["key"], g["total_usd"]) for g in body["costs"]["by_provider"]] == [
        ("elevenlabs", "1.250000"),
        ("gemini", "0.750000"),
    ]
    assert body["budget"]["budget_usd"] == "20.000000"
    assert body["budget"]["remaining_usd"] == "18.000000"
    assert current_profile() is None


def test_the_range_limits_costs_but_not_the_months_budget(cast: Any) -> None:
    with freeze_time("2025-01-05 12:00"):
        record_in(cast.store_a, "1")
    with freeze_time("2025-03-20 12:00"):
        record_in(cast.store_a, "2")
    with freeze_time("2025-03-28 12:00"):
        record_in(cast.store_a, "4")
        client = api_client_for(cast.alice)

        def total(range_key: str) -> str:
            return client.get(url(cast.store_a, f"?range={range_key}")).json()["costs"]["total_usd"]

        assert total("7d") == "4.000000"
        assert total("30d") == "6.000000"
        assert total("90d") == "7.000000"
        assert total("all") == "7.000000"
        body = client.get(url(cast.store_a, "?range=7d")).json()
        assert body["budget"]["spent_usd"] == "6.000000"  # March so far
        assert body["since"] == "2025-03-21T12:00:00+00:00"


@pytest.mark.parametrize("range_key", ["1y", "7D", "30", "all,7d"])
def test_a_bad_range_is_a_400(cast: Any, alice_client: Any, range_key: str) -> None:
    response = alice_client.get(url(cast.store_a, f"?range={range_key}"))
    assert response.status_code == 400
    assert "range" in response.json()


def test_another_users_profile_is_not_found(cast: Any, alice_client: Any) -> None:
    record_in(cast.bob_store, "7")
    response = alice_client.get(url(cast.bob_store))
    assert response.status_code == 404
    assert "7.0" not in response.content.decode()
    assert alice_client.get(f"/api/v1/profiles/{uuid.uuid4()}/dashboard/").status_code == 404


def test_it_needs_authentication(cast: Any) -> None:
    assert APIClient().get(url(cast.store_a)).status_code == 401


def test_registered_counters_run_in_the_profiles_scope(
    cast: Any, alice_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    def notes(since: datetime | None) -> int:
        seen.append((current_profile(), since))
        return Note.objects.count()

    monkeypatch.setattr(dashboard, "DASHBOARD_COUNTERS", [("notes", notes)])
    with profile_scope(cast.store_b):
        Note.objects.create(title="one")
        Note.objects.create(title="two")
    with profile_scope(cast.store_a):
        Note.objects.create(title="other store")

    body = alice_client.get(url(cast.store_b, "?range=all")).json()

    assert body["counts"] == {"notes": 2}
    assert seen == [(cast.store_b, None)]
