"""A clip's statistics: the four counts summed over its publications (per day and in all), its
cost (each job's ledger entries split evenly among the clips the job made) and its cost per
1,000 views, at /library/clips/{id}/analytics/ and among the dashboard's top clips."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from library.models import Clip
from publishing.models import PublicationStatus
from tests.conftest import api_client_for
from tests.costs.utils import record_in
from tests.factories import ClipFactory, JobFactory, ProjectFactory, PublicationFactory, PublicationStatFactory

pytestmark = pytest.mark.django_db

DAY1, DAY2 = date(2030, 1, 1), date(2030, 1, 2)


@dataclass
class Clips:
    first: Clip
    second: Clip


def _published(clip: Clip, identifier: str) -> Any:
    return PublicationFactory(
        profile=clip.profile, clip=clip, status=PublicationStatus.PUBLISHED, integration_identifier=identifier
    )


@pytest.fixture
def clips(cast: Any) -> Clips:
    mine = {"profile": cast.store_a}
    project = ProjectFactory(**mine)
    first = ClipFactory(**mine, project=project, variant_index=0)
    second = ClipFactory(**mine, project=project, variant_index=1)
    # The generate job made both clips: 0.60 -> 0.30 each.
    record_in(cast.store_a, "0.60", job_id=JobFactory(**mine, kind="generate", project=project).pk)
    # A render of the first clip only.
    record_in(cast.store_a, "0.10", job_id=JobFactory(**mine, kind="render", project=project, clip=first).pk)
    # A bulk render of both (and of a clip deleted since: its share is not lost on the others).
    gone = str(uuid.uuid4())
    bulk = JobFactory(**mine, kind="bulk-render", params={"clips": [str(first.pk), gone, str(second.pk)]})
    record_in(cast.store_a, "0.20", job_id=bulk.pk)
    # Jobs that made no clip, and entries of no job, are charged to none.
    record_in(cast.store_a, "5.00", job_id=JobFactory(**mine, kind="analyze").pk)
    record_in(cast.store_a, "1.00")
    instagram, tiktok = _published(first, "instagram"), _published(first, "tiktok")
    PublicationStatFactory(profile=cast.store_a, publication=instagram, date=DAY1, views=1000, likes=10, comments=0,
                           shares=0)  # fmt: skip
    PublicationStatFactory(profile=cast.store_a, publication=instagram, date=DAY2, views=500, likes=0, comments=0,
                           shares=0)  # fmt: skip
    PublicationStatFactory(profile=cast.store_a, publication=tiktok, date=DAY1, views=500, likes=0, comments=3,
                           shares=2)  # fmt: skip
    PublicationStatFactory(profile=cast.store_a, publication=_published(second, "tiktok"), date=DAY2, views=100,
                           likes=1, comments=0, shares=0)  # fmt: skip
    # Another store's clip with far more views: never in store A's figures.
    theirs = ClipFactory(profile=cast.store_b)
    PublicationStatFactory(profile=cast.store_b, publication=_published(theirs, "tiktok"), views=10**6)
    return Clips(first, second)


def _analytics(cast: Any, clip: Clip, profile: Any = None) -> Any:
    client = api_client_for(cast.alice, profile or cast.store_a)
    return client.get(f"/api/v1/library/clips/{clip.pk}/analytics/")


def test_it_sums_a_clips_publications_and_shares_each_jobs_costs_among_its_clips(cast: Any, clips: Clips) -> None:
    response = _analytics(cast, clips.first)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["clip"] == str(clips.first.pk) and body["publications"] == 2
    assert body["totals"] == {"views": 2000, "likes": 10, "comments": 3, "shares": 2}
    assert [(d["date"], d["views"], d["comments"]) for d in body["days"]] == [
        ("2030-01-01", 1500, 3),
        ("2030-01-02", 500, 0),
    ]
    assert body["cost_usd"] == "0.500000"  # 0.30 generate + 0.10 render + 0.10 bulk render
    assert body["cost_per_1000_views_usd"] == "0.2500"

    second = _analytics(cast, clips.second).json()
    assert second["cost_usd"] == "0.400000" and second["cost_per_1000_views_usd"] == "4.0000"


def test_a_clip_without_views_has_a_cost_but_no_cost_per_view(cast: Any) -> None:
    clip = ClipFactory(profile=cast.store_a)
    record_in(cast.store_a, "0.05", job_id=JobFactory(profile=cast.store_a, kind="render", clip=clip).pk)
    body = _analytics(cast, clip).json()
    assert body["totals"] == {"views": 0, "likes": 0, "comments": 0, "shares": 0} and body["days"] == []
    assert body["cost_usd"] == "0.050000" and body["cost_per_1000_views_usd"] is None


def test_it_checks_ownership(cast: Any, clips: Clips) -> None:
    assert _analytics(cast, clips.first, cast.store_b).status_code == 404
    bobs = api_client_for(cast.bob, cast.bob_store).get(f"/api/v1/library/clips/{clips.first.pk}/analytics/")
    assert bobs.status_code == 404


def test_the_dashboard_lists_the_most_viewed_clips_with_their_cost_per_1000_views(
    cast: Any, clips: Clips, django_assert_max_num_queries: Any
) -> None:
    client = api_client_for(cast.alice)
    with django_assert_max_num_queries(40):
        body = client.get(f"/api/v1/profiles/{cast.store_a.pk}/dashboard/?range=all").json()
    assert [(c["clip"], c["views"], c["cost_usd"], c["cost_per_1000_views_usd"]) for c in body["top_clips"]] == [
        (str(clips.first.pk), 2000, "0.500000", "0.2500"),
        (str(clips.second.pk), 100, "0.400000", "4.0000"),
    ]
    assert body["top_clips"][0]["likes"] == 10 and " · v0" in body["top_clips"][0]["name"]
    other = client.get(f"/api/v1/profiles/{cast.store_b.pk}/dashboard/?range=all").json()
    assert [c["views"] for c in other["top_clips"]] == [10**6]  # store B's own clip, and only it
