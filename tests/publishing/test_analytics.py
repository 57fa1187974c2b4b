"""Statistics of published posts from the fake Postiz (the pinned shape of GET
/analytics/post/{id}?date=N): fetched by the schedule and on demand, stored per publication and
day, shown at /publications/{id}/analytics/; `[]` and `{"missing": true}` are understood; a
Postiz without the route (404) is reported and not asked again at every run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from profiles.models import Profile
from publishing import tasks
from publishing.models import Publication, PublicationStat, PublicationStatus
from publishing.services.analytics import MISSING, NO_ROUTE
from tests.conftest import api_client_for
from tests.factories import PublicationFactory
from tests.fakes.postiz import KEY_A, PostizHandler, default_state
from tests.fakes.server import Running, running

pytestmark = pytest.mark.django_db


def _series(label: str, *totals: str) -> dict[str, Any]:
    return {"label": label, "data": [{"total": t, "date": f"2030-01-0{n + 1}"} for n, t in enumerate(totals)],
            "percentageChange": 12.5}  # fmt: skip


@pytest.fixture
def fake(cast: Any) -> Iterator[Running]:
    with running(PostizHandler, default_state()) as server:
        row = Profile.objects.get(pk=cast.store_a.pk)
        row.postiz_api_url, row.postiz_api_key = server.url, KEY_A
        row.save(update_fields=["postiz_api_url", "postiz_api_key"])
        yield server


def _published(profile: Any, post_id: str) -> Publication:
    return PublicationFactory(
        profile=profile, status=PublicationStatus.PUBLISHED, postiz_post_id=post_id, published_at=timezone.now()
    )


def test_statistics_land_per_publication_and_day(cast: Any, fake: Running) -> None:
    mine = _published(cast.store_a, "post-1")
    fake.state.analytics["post-1"] = [
        _series("Views", "120", "80"), _series("Likes", "9", "3"), _series("Comments", "2", "0"),
        _series("Shares", "1", "1"), _series("Saves", "4", "0"),
    ]  # fmt: skip

    assert tasks.fetch_analytics() == "profiles 1, publications 1, days 2, errors 0"
    calls = fake.state.calls_to("GET", "/analytics/post/post-1")
    assert len(calls) == 1 and calls[0].query == {"date": "7"}
    response = api_client_for(cast.alice, cast.store_a).get(f"/api/v1/publishing/publications/{mine.pk}/analytics/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totals"] == {"views": 200, "likes": 12, "comments": 2, "shares": 2}
    assert [(d["date"], d["views"], d["likes"]) for d in body["days"]] == [
        ("2030-01-01", 120, 9),
        ("2030-01-02", 80, 3),
    ]
    assert body["days"][0]["metrics"]["Saves"] == 4 and body["error"] == "" and body["checked_at"]

    # Fetched again (on demand): the days are updated, not repeated.
    fake.state.analytics["post-1"] = [_series("Views", "150", "90")]
    again = api_client_for(cast.alice, cast.store_a).get(
        f"/api/v1/publishing/publications/{mine.pk}/analytics/?refresh=true"
    )
    assert again.json()["totals"]["views"] == 240
    assert PublicationStat.all_objects.filter(publication=mine).count() == 2


def test_empty_and_missing_answers_are_understood(cast: Any, fake: Running) -> None:
    empty, lost = _published(cast.store_a, "post-new"), _published(cast.store_a, "post-lost")
    fake.state.analytics["post-lost"] = {"missing": True}
    assert tasks.fetch_analytics() == "profiles 1, publications 2, days 0, errors 0"
    empty.refresh_from_db()
    lost.refresh_from_db()
    assert (empty.analytics_error, lost.analytics_error) == ("", MISSING)
    assert not PublicationStat.all_objects.exists()


def test_a_postiz_without_the_route_is_reported_not_asked_at_every_run(cast: Any, fake: Running) -> None:
    mine = _published(cast.store_a, "post-1")
    _published(cast.store_a, "post-2")
    fake.state.analytics_route = False
    assert tasks.fetch_analytics() == "profiles 1, publications 0, days 0, errors 1"  # one 404 stops the run
    assert tasks.fetch_analytics() == "profiles 1, publications 0, days 0, errors 0"  # not asked again today
    assert len([c for c in fake.state.calls if c.path.startswith("/api/public/v1/analytics/")]) <= 1
    shown = api_client_for(cast.alice, cast.store_a).get(f"/api/v1/publishing/publications/{mine.pk}/analytics/")
    assert shown.status_code == 200
    assert Publication.all_objects.filter(analytics_error=NO_ROUTE).count() == 1
    assert shown.json()["days"] == [] and shown.json()["totals"]["views"] == 0


def test_statistics_from_the_fake_land_in_the_dashboard(cast: Any, fake: Running) -> None:
    from tests.factories import CostEntryFactory

    _published(cast.store_a, "post-1")
    _published(cast.store_a, "post-2")
    fake.state.analytics["post-1"] = [_series("Views", "1500", "500"), _series("Likes", "40", "10")]
    fake.state.analytics["post-2"] = [_series("Impressions", "2000"), _series("Comments", "7"), _series("Shares", "3")]
    CostEntryFactory(profile=cast.store_a, cost_usd="1.200000")
    tasks.fetch_analytics()
    body = api_client_for(cast.alice).get(f"/api/v1/profiles/{cast.store_a.pk}/dashboard/?range=all").json()
    assert body["engagement"] == {
        "views": 4000, "likes": 50, "comments": 7, "shares": 3, "cost_per_1000_views_usd": "0.3000",
    }  # fmt: skip
    other = api_client_for(cast.alice).get(f"/api/v1/profiles/{cast.store_b.pk}/dashboard/?range=all").json()
    assert other["engagement"]["views"] == 0 and other["engagement"]["cost_per_1000_views_usd"] is None


def _configure(profile: Any, server: Running, key: str) -> None:
    row = Profile.objects.get(pk=profile.pk)
    row.postiz_api_url, row.postiz_api_key = server.url, key
    row.save(update_fields=["postiz_api_url", "postiz_api_key"])


def test_one_profiles_odd_statistics_stop_neither_it_nor_the_others(
    cast: Any, fake: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.postiz import KEY_B

    _configure(cast.store_b, fake, KEY_B)
    huge, odd = _published(cast.store_a, "post-huge"), _published(cast.store_a, "post-nul")
    theirs = _published(cast.store_b, "post-fine")
    fake.state.analytics["post-huge"] = [_series("Views", "1e30")]  # beyond a bigint
    fake.state.analytics["post-nul"] = [_series("Vi\u0000ews", "5")]  # jsonb refuses \u0000
    fake.state.analytics["post-fine"] = [_series("Views", "7")]

    assert tasks.fetch_analytics() == "profiles 2, publications 2, days 2, errors 1"
    huge.refresh_from_db()
    assert "not a count" in huge.analytics_error and not PublicationStat.all_objects.filter(publication=huge)
    assert PublicationStat.all_objects.get(publication=odd).metrics == {"Views": 5}
    assert PublicationStat.all_objects.get(publication=theirs).views == 7

    # On demand: a clear 502 with the reason, never a 500.
    refreshed = api_client_for(cast.alice, cast.store_a).get(
        f"/api/v1/publishing/publications/{huge.pk}/analytics/?refresh=true"
    )
    assert refreshed.status_code == 502, refreshed.content
    assert "not a count" in refreshed.json()["detail"]

    # Whatever else fails for one profile, the run goes on to the next.
    real = tasks.analytics.analytics_refresh

    def failing_for_a(**kwargs: Any) -> dict[str, int]:
        from profiles.tenancy import scoped_profile

        if scoped_profile().pk == cast.store_a.pk:
            raise RuntimeError("boom")
        return real(**kwargs)

    monkeypatch.setattr(tasks.analytics, "analytics_refresh", failing_for_a)
    fake.state.analytics["post-fine"] = [_series("Views", "9")]
    assert tasks.fetch_analytics().endswith("errors 1")
    assert PublicationStat.all_objects.get(publication=theirs).views == 9


def test_a_read_only_key_cannot_refresh_statistics(cast: Any, fake: Running) -> None:
    from rest_framework.test import APIClient

    from tests.factories import ProfileAPIKeyFactory

    mine = _published(cast.store_a, "post-1")
    fake.state.analytics["post-1"] = [_series("Views", "120")]
    url = f"/api/v1/publishing/publications/{mine.pk}/analytics/"
    reader = ProfileAPIKeyFactory(profile=cast.store_a, scopes=["read"]).raw  # type: ignore[attr-defined]
    machine = APIClient()
    machine.credentials(HTTP_AUTHORIZATION=f"Api-Key {reader}")

    assert machine.get(url).status_code == 200  # reading is fine
    refused = machine.get(url + "?refresh=true")
    assert refused.status_code == 403, refused.content
    assert refused.json()["code"] == "api_key_read_only"
    assert fake.state.calls_to("GET", "/analytics/post/post-1") == [] and not PublicationStat.all_objects.exists()

    writer = ProfileAPIKeyFactory(profile=cast.store_a).raw  # type: ignore[attr-defined]
    machine.credentials(HTTP_AUTHORIZATION=f"Api-Key {writer}")
    assert machine.get(url + "?refresh=true").json()["totals"]["views"] == 120
    fake.state.analytics["post-1"] = [_series("Views", "130")]
    by_token = api_client_for(cast.alice, cast.store_a).get(url + "?refresh=true")
    assert by_token.json()["totals"]["views"] == 130
