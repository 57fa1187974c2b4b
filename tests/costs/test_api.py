from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from rest_framework.test import APIClient

from costs.models import BudgetReservation
from costs.services import budget_reserve
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.costs.utils import record_in, set_budget

ENTRIES = "/api/v1/costs/entries/"
SUMMARY = "/api/v1/costs/summary/"
USAGE = "/api/v1/costs/usage/"


def test_entries_list_only_the_profiles_own_newest_first(cast: Any, alice_client: Any) -> None:
    with freeze_time("2025-03-01 10:00"):
        older = record_in(cast.store_a, "0.1")
    with freeze_time("2025-03-02 10:00"):
        newer = record_in(cast.store_a, "0.2", provider="gemini", model="gemini-2.5-flash", units={"input_tokens": 5})
    record_in(cast.store_b, "9")
    record_in(cast.bob_store, "9")

    body = alice_client.get(ENTRIES).json()

    assert body["count"] == 2
    assert [e["id"] for e in body["results"]] == [str(newer.pk), str(older.pk)]
    first = body["results"][0]
    assert first["cost_usd"] == "0.200000"
    assert first["units"] == {"input_tokens": 5}
    assert set(first) == {"id", "provider", "model", "operation", "units", "cost_usd", "job_id", "created_at"}
    assert "next" in body and "previous" in body


def test_entries_answer_for_the_profile_in_the_header(cast: Any) -> None:
    mine = record_in(cast.store_b, "0.3")
    body = api_client_for(cast.alice, cast.store_b).get(ENTRIES).json()
    assert [e["id"] for e in body["results"]] == [str(mine.pk)]


def test_entries_filter_by_provider_model_operation_and_period(cast: Any, alice_client: Any) -> None:
    with freeze_time("2025-01-31 23:59:59"):
        january = record_in(cast.store_a, "0.1")
    with freeze_time("2025-02-01 00:00:00"):
        gemini = record_in(cast.store_a, "0.2", provider="gemini", model="gemini-2.5-pro", operation="analysis")
        flash = record_in(cast.store_a, "0.3", model="eleven_flash_v2_5")

    def ids(query: str) -> set[str]:
        response = alice_client.get(f"{ENTRIES}?{query}")
        assert response.status_code == 200, response.content
        return {e["id"] for e in response.json()["results"]}

    assert ids("provider=gemini") == {str(gemini.pk)}
    assert ids("model=eleven_flash_v2_5") == {str(flash.pk)}
    assert ids("operation=analysis") == {str(gemini.pk)}
    assert ids("until=2025-01-31") == {str(january.pk)}  # a date covers its whole day
    assert ids("since=2025-02-01") == {str(gemini.pk), str(flash.pk)}
    assert ids("since=2025-01-31T23:59:59Z&until=2025-01-31T23:59:59Z") == {str(january.pk)}
    assert ids("since=2025-02-01T00:00:00%2B01:00") == {str(january.pk), str(gemini.pk), str(flash.pk)}


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "until=2025-02-30",
        "provider=openai",
        "since=2025-02-02&until=2025-02-01",
        "model=" + "m" * 101,
    ],
)
def test_entries_refuse_bad_filters_with_400(cast: Any, alice_client: Any, query: str) -> None:
    response = alice_client.get(f"{ENTRIES}?{query}")
    assert response.status_code == 400, response.content
    assert response.json()


def test_an_entry_of_another_profile_is_not_found(cast: Any, alice_client: Any) -> None:
    mine = record_in(cast.store_a, "0.1")
    assert alice_client.get(f"{ENTRIES}{mine.pk}/").json()["cost_usd"] == "0.100000"
    for other in (cast.store_b, cast.bob_store):
        foreign = record_in(other, "0.1")
        assert alice_client.get(f"{ENTRIES}{foreign.pk}/").status_code == 404
    assert alice_client.get(f"{ENTRIES}{uuid.uuid4()}/").status_code == 404
    assert alice_client.get(f"{ENTRIES}not-a-uuid/").status_code == 404


def test_entries_are_read_only(cast: Any, alice_client: Any) -> None:
    entry = record_in(cast.store_a, "0.1")
    assert alice_client.post(ENTRIES, {"provider": "espeak"}, format="json").status_code == 405
    assert alice_client.delete(f"{ENTRIES}{entry.pk}/").status_code == 405


def test_the_summary_sums_exactly_and_sees_only_its_profile(cast: Any, alice_client: Any) -> None:
    for cost in ("0.1", "0.2", "0.000001"):
        record_in(cast.store_a, cost, units={"characters": 1000})
    record_in(cast.store_a, "0.05", provider="gemini", model="gemini-2.5-flash", units={"input_tokens": 7})
    record_in(cast.store_b, "0.7")
    record_in(cast.bob_store, "0.9")

    alice = alice_client.get(SUMMARY).json()
    store_b = api_client_for(cast.alice, cast.store_b).get(SUMMARY).json()
    bob = api_client_for(cast.bob).get(SUMMARY).json()

    assert alice == {
        "total_usd": "0.350001",
        "currency": "USD",
        "group_by": "provider",
        "groups": [
            {"key": "elevenlabs", "total_usd": "0.300001", "count": 3, "units": {"characters": 3000}},
            {"key": "gemini", "total_usd": "0.050000", "count": 1, "units": {"input_tokens": 7}},
        ],
    }
    assert store_b["total_usd"] == "0.700000"
    assert bob["total_usd"] == "0.900000"


def test_the_summary_groups_by_day_and_month_across_a_month_boundary(cast: Any, alice_client: Any) -> None:
    with freeze_time("2025-01-31 23:59:59"):
        record_in(cast.store_a, "0.1", units={"characters": 10})
        record_in(cast.store_a, "0.2", units={"characters": 20})
    with freeze_time("2025-02-01 00:00:00"):
        record_in(cast.store_a, "0.4", units={"characters": 40})
    with freeze_time("2025-02-28 12:00:00"):
        record_in(cast.store_a, "0.8", provider="espeak", model="", units={"characters": 80, "seconds": 2.5})

    by_day = alice_client.get(f"{SUMMARY}?group_by=day").json()
    by_month = alice_client.get(f"{SUMMARY}?group_by=month").json()

    assert [(g["key"], g["total_usd"], g["units"]) for g in by_day["groups"]] == [
        ("2025-01-31", "0.300000", {"characters": 30}),
        ("2025-02-01", "0.400000", {"characters": 40}),
        ("2025-02-28", "0.800000", {"characters": 80, "seconds": 2.5}),
    ]
    assert [(g["key"], g["total_usd"], g["count"]) for g in by_month["groups"]] == [
        ("2025-01", "0.300000", 2),
        ("2025-02", "1.200000", 2),
    ]
    assert by_day["total_usd"] == by_month["total_usd"] == "1.500000"
    february = alice_client.get(f"{SUMMARY}?group_by=month&since=2025-02-01&until=2025-02-01").json()
    assert february["total_usd"] == "0.400000"


def test_the_summary_is_empty_rather_than_missing(cast: Any, alice_client: Any) -> None:
    assert alice_client.get(SUMMARY).json() == {
        "total_usd": "0.000000",
        "currency": "USD",
        "group_by": "provider",
        "groups": [],
    }


@pytest.mark.parametrize("query", ["group_by=week", "since=2025-13-01", "since=2025-02-01&until=2025-01-01"])
def test_the_summary_refuses_bad_parameters_with_400(cast: Any, alice_client: Any, query: str) -> None:
    assert alice_client.get(f"{SUMMARY}?{query}").status_code == 400


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [ENTRIES, SUMMARY, f"{SUMMARY}?group_by=day", f"{SUMMARY}?group_by=month", USAGE])
def test_query_count_does_not_grow_with_entries(cast: Any, alice_client: Any, url: str) -> None:
    set_budget(cast.store_a, "100")
    with profile_scope(cast.store_a):
        budget_reserve(job_id=uuid.uuid4(), operation="tts", estimate_usd=Decimal("1"))
    record_in(cast.store_a, "0.1")
    few = _queries(alice_client, url)
    for day in range(1, 29):
        with freeze_time(f"2025-02-{day:02d} 12:00"):
            record_in(cast.store_a, "0.1", provider="gemini", model="gemini-2.5-flash", units={"input_tokens": day})
            record_in(cast.store_a, "0.1", job_id=uuid.uuid4())
    assert _queries(alice_client, url) == few
    assert few <= 6


def test_usage_without_a_budget(cast: Any, alice_client: Any) -> None:
    record_in(cast.store_a, "0.25")
    body = alice_client.get(USAGE).json()
    assert body["spent_usd"] == "0.250000"
    assert body["budget_usd"] is None
    assert body["remaining_usd"] is None
    assert body["percent_used"] is None
    assert "elevenlabs" not in body  # the install-wide subscription is for staff (the cost admin)


def test_usage_reports_month_to_date_against_the_budget(cast: Any, alice_client: Any) -> None:
    set_budget(cast.store_a, "10.00")
    with freeze_time("2025-02-28 23:00"):
        record_in(cast.store_a, "100")  # last month: does not count
    with freeze_time("2025-03-02 09:00"):
        record_in(cast.store_a, "1.50")
        record_in(cast.store_a, "0.50", provider="gemini", model="gemini-2.5-flash", units={"input_tokens": 1})
        record_in(cast.store_b, "7")
        with profile_scope(cast.store_a):
            budget_reserve(job_id=uuid.uuid4(), operation="analysis", estimate_usd=Decimal("3"))
        body = api_client_for(cast.alice).get(USAGE).json()

    assert body == {
        "currency": "USD",
        "month": "2025-03",
        "period_start": "2025-03-01T00:00:00+00:00",
        "spent_usd": "2.000000",
        "reserved_usd": "3.000000",
        "budget_usd": "10.000000",
        "remaining_usd": "5.000000",
        "percent_used": 50.0,
        "by_provider": {"elevenlabs": "1.500000", "gemini": "0.500000"},
    }
    assert BudgetReservation.all_objects.filter(profile=cast.store_b).count() == 0


def test_usage_of_an_exhausted_budget(cast: Any, alice_client: Any) -> None:
    set_budget(cast.store_a, "1.00")
    record_in(cast.store_a, "1.50")
    body = alice_client.get(USAGE).json()
    assert body["remaining_usd"] == "0.000000"
    assert body["percent_used"] == 150.0


def test_cost_routes_need_authentication(cast: Any) -> None:
    for url in (ENTRIES, SUMMARY, USAGE):
        assert APIClient().get(url).status_code == 401
