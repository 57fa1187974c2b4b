"""The install's ElevenLabs subscription (characters used by every profile together) is for
support staff, in the cost admin. A tenant's usage page and dashboard show its own ledger only:
the subscription would reveal how much the other tenants speak (fake ElevenLabs, loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.fakes.elevenlabs import KEY, ElevenLabsHandler, ElevenLabsState
from tests.fakes.server import Running, running

ADMIN = "/admin/costs/costentry/"


@pytest.fixture
def fake(settings: Any) -> Iterator[Running]:
    state = ElevenLabsState(character_limit=30_000)
    state.character_count = 1_234  # what every profile together has used
    cache.clear()
    with running(ElevenLabsHandler, state) as server:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, server.url
        yield server
    cache.clear()


@pytest.fixture
def staff(db: Any) -> Client:
    client = Client()
    client.force_login(UserFactory(username="support", is_staff=True, is_superuser=True))
    return client


def test_a_tenants_usage_and_dashboard_leave_out_the_install_subscription(cast: Any, fake: Running) -> None:
    client = api_client_for(cast.alice)
    usage = client.get("/api/v1/costs/usage/")
    dashboard = client.get(f"/api/v1/profiles/{cast.store_a.pk}/dashboard/")
    assert usage.status_code == dashboard.status_code == 200
    assert "elevenlabs" not in usage.json()
    assert "elevenlabs" not in dashboard.json()["budget"]
    for body in (usage.content, dashboard.content):
        assert b"1234" not in body and b"28766" not in body and b"creator" not in body
    assert fake.state.calls_to("GET", "/v1/user/subscription") == []  # not even asked


def test_staff_see_the_subscription_in_the_cost_admin(fake: Running, staff: Client) -> None:
    page = staff.get(ADMIN).content.decode()
    assert "ElevenLabs subscription (the whole install, all profiles)" in page
    assert "1234 of 30000 characters used" in page and "28766 left" in page and "tier creator" in page
    assert fake.state.calls_to("GET", "/v1/user/subscription")[-1].key == KEY
    staff.get(ADMIN)  # cached for a minute: the page does not wait on ElevenLabs each time
    assert len(fake.state.calls_to("GET", "/v1/user/subscription")) == 1


def test_the_admin_without_a_key_shows_no_subscription(staff: Client, settings: Any) -> None:
    settings.ELEVENLABS_API_KEY = ""
    page = staff.get(ADMIN)
    assert page.status_code == 200 and "subscription" not in page.content.decode()


def test_an_elevenlabs_outage_is_reported_not_raised(fake: Running, staff: Client) -> None:
    fake.state.fail_next(503, times=5)
    page = staff.get(ADMIN)
    assert page.status_code == 200
    assert "Could not read it: ElevenLabs answered 503" in page.content.decode()
    assert len(fake.state.calls) == 1  # one attempt inside a request, no waiting between retries
