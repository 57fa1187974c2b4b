from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from costs.models import LEGACY_PROFILE_LABEL, CostEntry
from costs.services import budget_reserve
from profiles.services import profile_delete
from profiles.tenancy import current_profile, profile_scope
from tests.costs.utils import record_in
from tests.factories import UserFactory

CHANGELIST = "/admin/costs/costentry/"


@pytest.fixture
def staff(cast: Any) -> Client:
    client = Client()
    client.force_login(UserFactory(username="support", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def ledger(cast: Any) -> dict[str, CostEntry]:
    entries = {
        "a": record_in(cast.store_a, "0.10"),
        "b": record_in(cast.store_b, "0.25", provider="gemini", model="gemini-2.5-flash", units={"input_tokens": 3}),
        "bob": record_in(cast.bob_store, "1.00"),
    }
    profile_delete(profile=cast.store_b)
    return entries


def test_staff_see_every_profiles_entries_and_the_legacy_ones(staff: Client, ledger: Any) -> None:
    response = staff.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Store A" in page
    assert "Bob&#x27;s store" in page
    assert LEGACY_PROFILE_LABEL in page  # as a row's profile and as a filter choice
    assert "Total of the 3 selected entries: $1.350000 USD" in page
    assert current_profile() is None


def test_the_total_follows_the_filters(staff: Client, ledger: Any) -> None:
    legacy = staff.get(f"{CHANGELIST}?profile__isnull=True").content.decode()
    assert "Total of the 1 selected entry: $0.250000 USD" in legacy
    assert "Store A" not in legacy.split('id="changelist-filter"')[0]

    elevenlabs = staff.get(f"{CHANGELIST}?provider__exact=elevenlabs").content.decode()
    assert "Total of the 2 selected entries: $1.100000 USD" in elevenlabs


def test_staff_find_a_jobs_entries_by_its_id(staff: Client, cast: Any) -> None:
    job_id = uuid.uuid4()
    record_in(cast.store_a, "0.42", job_id=job_id)
    record_in(cast.store_a, "0.01")
    page = staff.get(f"{CHANGELIST}?q={str(job_id)[:8]}").content.decode()
    assert "Total of the 1 selected entry: $0.420000 USD" in page


def test_entries_are_read_only_in_the_admin(staff: Client, ledger: Any) -> None:
    entry = ledger["a"]
    detail = staff.get(f"{CHANGELIST}{entry.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert staff.get(f"{CHANGELIST}add/").status_code == 403
    assert staff.post(f"{CHANGELIST}{entry.pk}/change/", {"cost_usd": "0"}).status_code == 403
    assert staff.post(f"{CHANGELIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CostEntry.all_objects.get(pk=entry.pk).cost_usd == entry.cost_usd


def test_a_legacy_entry_opens_in_the_admin(staff: Client, ledger: Any) -> None:
    response = staff.get(f"{CHANGELIST}{ledger['b'].pk}/change/")
    assert response.status_code == 200
    assert LEGACY_PROFILE_LABEL in response.content.decode()


def test_reservations_are_listed_for_staff(staff: Client, cast: Any) -> None:
    with profile_scope(cast.store_a):
        budget_reserve(job_id=uuid.uuid4(), operation="analysis", estimate_usd=Decimal("0.5"))
    response = staff.get("/admin/costs/budgetreservation/")
    assert response.status_code == 200
    assert "0.500000" in response.content.decode()


def test_non_staff_cannot_open_the_ledger(cast: Any, ledger: Any) -> None:
    client = Client()
    client.force_login(cast.alice)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
