"""The per-profile dashboard in the admin (/admin/profiles/profile/<id>/dashboard/): support staff
see a profile's costs per day by provider, renders and publications per day and its top clips as
server-drawn SVG; nobody else does. (In Chromium: tests/support/test_browser_dashboard.py.)"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from costs.models import CostEntry
from library.models import JobStatus
from profiles.models import Profile
from publishing.models import PublicationStatus
from tests.costs.utils import record_in
from tests.editai.test_charts import NS, parse_svg
from tests.factories import ClipFactory, JobFactory, ProjectFactory, PublicationFactory, PublicationStatFactory
from tests.support.conftest import make_support_user

pytestmark = pytest.mark.django_db


def dashboard_url(profile: Profile) -> str:
    return f"/admin/profiles/profile/{profile.pk}/dashboard/"


def seed_dashboard(profile: Profile) -> None:
    """A month of a store's life: costs of two providers, renders, posts and their views."""
    now = timezone.now()
    mine = {"profile": profile}
    project = ProjectFactory(**mine, name="Summer sale")
    clips = [ClipFactory(**mine, project=project, variant_index=i) for i in range(3)]
    for days_ago, (tts, gemini) in enumerate([("0.40", "1.10"), ("0.20", "0"), ("0", "0.60")]):
        when = now - timedelta(days=days_ago * 3)
        job = JobFactory(**mine, kind="render", status=JobStatus.SUCCEEDED, clip=clips[days_ago], project=project,
                         finished_at=when)  # fmt: skip
        entries = [record_in(profile, tts, job_id=job.pk)] if tts != "0" else []
        if gemini != "0":
            entries.append(record_in(profile, gemini, provider="gemini", model="gemini-2.5-flash",
                                     units={"input_tokens": 10}))  # fmt: skip
        CostEntry.all_objects.filter(pk__in=[e.pk for e in entries]).update(created_at=when)
        post = PublicationFactory(**mine, clip=clips[days_ago], status=PublicationStatus.PUBLISHED, published_at=when)
        PublicationStatFactory(**mine, publication=post, date=when.date(), views=3000 // (days_ago + 1), likes=10)
    # Old costs: outside the 30 days shown.
    old = record_in(profile, "9.00")
    CostEntry.all_objects.filter(pk=old.pk).update(created_at=now - timedelta(days=45))


def _charts(html: str) -> dict[str, ET.Element]:
    found = {}
    for chunk in html.split('<div class="editai-chart" id="chart-')[1:]:
        key = chunk.split('"', 1)[0]
        svg = chunk[chunk.index("<svg") : chunk.index("</svg>") + len("</svg>")]
        found[key] = parse_svg(svg)
    return found


def test_support_staff_see_the_charts_with_the_profiles_data(cast: Any) -> None:
    seed_dashboard(cast.store_a)
    record_in(cast.bob_store, "50.00")  # another store's spending: not on this page
    client = Client()
    client.force_login(make_support_user("sam"))

    change = client.get(f"/admin/profiles/profile/{cast.store_a.pk}/change/")
    assert dashboard_url(cast.store_a) in change.content.decode()
    response = client.get(dashboard_url(cast.store_a))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Dashboard: Store A (alice)" in html and "cdn" not in html.lower()
    charts = _charts(html)
    assert set(charts) == {"costs", "renders", "publications", "top-clips"}
    costs = charts["costs"].findall(".//svg:rect[@class='bar']", NS)
    spent = {(b.get("data-series"), float(b.get("data-value", "0"))) for b in costs}
    assert spent == {("ElevenLabs", 0.4), ("Gemini", 1.1), ("ElevenLabs", 0.2), ("Gemini", 0.6)}
    assert len(charts["renders"].findall(".//svg:rect[@class='bar']", NS)) == 3
    assert len(charts["publications"].findall(".//svg:rect[@class='bar']", NS)) == 3
    top = charts["top-clips"].findall(".//svg:rect[@class='bar']", NS)
    assert [(b.get("data-label"), b.get("data-value")) for b in top] == [
        ("Summer sale · v0", "3000.0"),
        ("Summer sale · v1", "1500.0"),
        ("Summer sale · v2", "1000.0"),
    ]
    assert "$2.30" in html  # the 30 days' spending, not the 45-day-old entry nor Bob's


def test_an_empty_profile_shows_no_data_charts(cast: Any) -> None:
    client = Client()
    client.force_login(make_support_user("sam"))
    response = client.get(dashboard_url(cast.store_b))
    assert response.status_code == 200
    charts = _charts(response.content.decode())
    assert all(chart.get("data-empty") == "true" for chart in charts.values()) and len(charts) == 4


def test_only_staff_with_view_permission_may_open_it(cast: Any) -> None:
    tenant = Client()
    tenant.force_login(cast.alice)  # the store's own owner is not staff
    answer = tenant.get(dashboard_url(cast.store_a))
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]
    assert Client().get(dashboard_url(cast.store_a)).status_code == 302

    bare = get_user_model().objects.create_user("intern", password="x", is_staff=True)  # staff, no permissions
    staff = Client()
    staff.force_login(bare)
    assert staff.get(dashboard_url(cast.store_a)).status_code == 403

    support = Client()
    support.force_login(make_support_user("sam"))
    assert support.get("/admin/profiles/profile/00000000-0000-0000-0000-000000000000/dashboard/").status_code == 404
