"""Every list endpoint answers in a number of queries that does not grow with its rows: the same
count for 2 rows as for 6 (each row with the related rows its serializer shows), and never more
than MAX_QUERIES. A new list route fails test_every_list_route_is_pinned until it is added here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tests.conftest import Cast, api_client_for
from tests.tenancy.routes import iter_routes

MAX_QUERIES = 8  # authentication, profile, page count, rows and their prefetches (2 to 5 today)


def _job(cast: Cast) -> None:
    video = f.SourceVideoFactory(profile=cast.store_a)
    clip = f.ClipFactory(profile=cast.store_a)
    f.JobFactory(profile=cast.store_a, source_video=video, project=clip.project, clip=clip)


def _segment(cast: Cast) -> None:
    analysis = f.VideoAnalysisFactory(profile=cast.store_a)
    segment = f.SegmentFactory(profile=cast.store_a, source_video=analysis.source_video, analysis=analysis)
    f.ProjectSegmentFactory(profile=cast.store_a, segment=segment)


def _project(cast: Cast) -> None:
    video = f.SourceVideoFactory(profile=cast.store_a)
    project = f.ProjectFactory(profile=cast.store_a, source_video=video)
    for position in range(2):
        segment = f.SegmentFactory(profile=cast.store_a, source_video=video)
        f.ProjectSegmentFactory(profile=cast.store_a, project=project, segment=segment, position=position)
    f.ClipFactory(profile=cast.store_a, project=project)


def _clip(cast: Cast) -> None:
    clip = f.ClipFactory(profile=cast.store_a)
    f.PublicationFactory(profile=cast.store_a, clip=clip)


def _publication(cast: Cast) -> None:
    job = f.JobFactory(profile=cast.store_a, kind="publish")
    f.PublicationFactory(profile=cast.store_a, job=job)


# One more row (and its related rows) of alice's Store A, per list route.
LISTS: dict[str, Callable[[Cast], Any]] = {
    "profile-list": lambda cast: f.ProfileFactory(user=cast.alice),
    "cost-entry-list": lambda cast: f.CostEntryFactory(profile=cast.store_a),
    "source-video-list": lambda cast: f.SourceVideoFactory(profile=cast.store_a),
    "music-track-list": lambda cast: f.MusicTrackFactory(profile=cast.store_a),
    "job-list": _job,
    "segment-list": _segment,
    "project-list": _project,
    "clip-list": _clip,
    "preset-list": lambda cast: f.ExportPresetFactory(profile=cast.store_a),
    "publication-list": _publication,
    # Not lists, but their answer sums rows: it must not cost a query per row either.
    "cost-summary": lambda cast: f.CostEntryFactory(profile=cast.store_a),
    "cost-usage": lambda cast: f.CostEntryFactory(profile=cast.store_a),
}


def _deliveries_webhook(cast: Cast) -> Any:
    """The one webhook of Store A whose deliveries are listed."""
    from webhooks.models import Webhook

    url = "https://93.184.215.14/deliveries"
    return Webhook.all_objects.filter(profile=cast.store_a, url=url).first() or f.WebhookFactory(
        profile=cast.store_a, url=url
    )


def _webhook_delivery(cast: Cast) -> None:
    f.WebhookDeliveryFactory(profile=cast.store_a, webhook=_deliveries_webhook(cast))


LISTS["profile-api-key-list"] = lambda cast: f.ProfileAPIKeyFactory(profile=cast.store_a)
LISTS["webhook-list"] = lambda cast: f.WebhookFactory(profile=cast.store_a)
LISTS["webhook-delivery-list"] = _webhook_delivery
# Lists under an object of alice's Store A: the URL's arguments.
KWARGS: dict[str, Callable[[Cast], dict[str, Any]]] = {
    "profile-api-key-list": lambda cast: {"pk": cast.store_a.pk},
    "webhook-delivery-list": lambda cast: {"webhook_pk": _deliveries_webhook(cast).pk},
}
TEST_ONLY = {"note-list"}  # tests.scopedapp


def _queries(cast: Cast, route: str) -> int:
    client = api_client_for(cast.alice)  # Store A, her default profile
    url = reverse(route, kwargs=KWARGS[route](cast) if route in KWARGS else None)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def test_every_list_route_is_pinned() -> None:
    lists = {r.name for r in iter_routes() if r.name.endswith("-list") and "get" in r.methods}
    assert sorted(lists - TEST_ONLY) == sorted(name for name in LISTS if name.endswith("-list"))


@pytest.mark.parametrize("route", sorted(LISTS))
def test_a_list_costs_the_same_queries_for_2_rows_as_for_6(
    cast: Cast, route: str, django_assert_max_num_queries: Any
) -> None:
    for _ in range(2):
        LISTS[route](cast)
    few = _queries(cast, route)
    for _ in range(4):
        LISTS[route](cast)
    with django_assert_max_num_queries(MAX_QUERIES):
        many = _queries(cast, route)
    assert many == few
