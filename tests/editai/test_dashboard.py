from __future__ import annotations

import uuid
from typing import Any

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from library.models import ClipStatus, JobStatus
from profiles.tenancy import current_profile
from publishing.models import PublicationStatus
from tests.conftest import api_client_for
from tests.costs.utils import record_in, set_budget
from tests.factories import ClipFactory, JobFactory, ProjectFactory, PublicationFactory, SourceVideoFactory


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
    assert body["counts"]["source_videos"] == 0 and body["counts"]["renders"] == 0  # nothing made yet
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


def test_it_counts_the_rows_each_app_made_in_the_range(cast: Any) -> None:
    store = cast.store_b
    with freeze_time("2025-01-05 12:00"):  # before the 7 days asked: counted under "all" only
        SourceVideoFactory(profile=store)
        ClipFactory(profile=store, status=ClipStatus.FAILED)
    with freeze_time("2025-03-25 12:00"):
        project = ProjectFactory(profile=store)
        SourceVideoFactory.create_batch(2, profile=store)
        raw, final = (
            ClipFactory(profile=store, project=project),
            ClipFactory(profile=store, project=project, status=ClipStatus.FINAL),
        )
        JobFactory(profile=store, kind="render", status=JobStatus.SUCCEEDED, clip=final)
        JobFactory(profile=store, kind="one-click", status=JobStatus.SUCCEEDED)
        JobFactory(profile=store, kind="render", status=JobStatus.FAILED)  # no render made
        JobFactory(profile=store, kind="preview", status=JobStatus.SUCCEEDED)  # not a render
        PublicationFactory(profile=store, clip=final, status=PublicationStatus.SUBMITTED)
        PublicationFactory(profile=store, clip=final, status=PublicationStatus.FAILED)
        PublicationFactory(profile=store, clip=raw, status=PublicationStatus.SUBMITTED)
        SourceVideoFactory(profile=cast.store_a)  # alice's other store
        PublicationFactory(profile=cast.bob_store)  # another user's
    with freeze_time("2025-03-28 12:00"):
        client = api_client_for(cast.alice)  # a token of that day
        week = client.get(url(store, "?range=7d")).json()["counts"]
        ever = client.get(url(store, "?range=all")).json()["counts"]

    assert week == {
        "source_videos": 2,
        "projects": 1,
        "clips": {"raw": 1, "rendering": 0, "final": 1, "failed": 0},
        "renders": 2,
        "publications": {
            "queued": 0, "uploading": 0, "submitted": 2, "published": 0, "failed": 1, "cancelled": 0,
        },
    }  # fmt: skip
    assert ever["source_videos"] == 3
    assert ever["projects"] == 2  # the January clip's own project
    assert ever["clips"]["failed"] == 1


def test_the_counts_take_a_fixed_number_of_queries(
    cast: Any, alice_client: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        PublicationFactory(profile=cast.store_a)
    # 10, one sum of the posts' statistics and one ranking of the most viewed clips (issue 20)
    with django_assert_max_num_queries(12):
        assert alice_client.get(url(cast.store_a)).json()["counts"]["clips"]["raw"] == 3
