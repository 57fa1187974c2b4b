from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from costs.models import CostEntry
from costs.pricing import UnknownPrice
from costs.selectors import cost_summary
from costs.services import cost_entry_record
from profiles.services import profile_delete
from profiles.tenancy import ScopeError, profile_scope, unscoped
from tests.costs.utils import record_in


def test_it_records_an_entry_priced_from_the_table_in_the_current_scope(cast: Any) -> None:
    job_id = uuid.uuid4()
    with profile_scope(cast.store_b):
        entry = cost_entry_record(
            provider="gemini",
            model="gemini-2.5-flash",
            operation="analysis",
            units={"input_tokens": 12_000, "output_tokens": 800, "thinking_tokens": 1200, "frames": 40},
            job_id=job_id,
        )
    fresh = CostEntry.all_objects.get(pk=entry.pk)
    assert fresh.profile_id == cast.store_b.pk
    assert fresh.job_id == job_id
    # (12000 x 0.30 + 2000 x 2.50) / 1e6
    assert fresh.cost_usd == Decimal("0.008600")
    # Raw units are kept so that the cost can be recomputed when prices change.
    assert fresh.units == {"frames": 40, "input_tokens": 12_000, "output_tokens": 800, "thinking_tokens": 1200}


def test_it_keeps_a_cost_given_by_the_adapter(cast: Any) -> None:
    entry = record_in(cast.store_a, "1.234567", units={"characters": 10})
    assert CostEntry.all_objects.get(pk=entry.pk).cost_usd == Decimal("1.234567")


def test_local_providers_are_recorded_at_zero_with_their_units(cast: Any) -> None:
    entry = record_in(cast.store_a, None, provider="espeak", model="", units={"characters": 900, "seconds": 61.25})
    assert entry.cost_usd == 0
    assert CostEntry.all_objects.get(pk=entry.pk).units == {"characters": 900, "seconds": 61.25}


def test_it_refuses_to_record_outside_a_scope(cast: Any) -> None:
    with pytest.raises(ScopeError):
        cost_entry_record(provider="espeak", model="", operation="tts", units={"characters": 1})
    with unscoped(), pytest.raises(ScopeError):
        cost_entry_record(provider="espeak", model="", operation="tts", units={"characters": 1})
    assert CostEntry.all_objects.count() == 0


@pytest.mark.parametrize(
    "units",
    [
        {"chars": 10},
        {"characters": -1},
        {"characters": 1.5},
        {"characters": True},
        {"characters": "10"},
        {"seconds": -0.1},
        {"seconds": float("nan")},
        {"frames": float("inf")},
        ["characters", 1],
    ],
)
def test_it_rejects_bad_units(cast: Any, units: Any) -> None:
    with pytest.raises(ValidationError):
        record_in(cast.store_a, "0.1", units=units)
    assert CostEntry.all_objects.count() == 0


def test_it_rejects_a_bad_operation_or_provider(cast: Any) -> None:
    with pytest.raises(ValidationError):
        record_in(cast.store_a, "0.1", operation="Text To Speech")
    with pytest.raises(ValidationError):
        record_in(cast.store_a, "0.1", provider="openai")
    with pytest.raises(ValidationError):
        record_in(cast.store_a, "-0.1")
    assert CostEntry.all_objects.count() == 0


def test_a_paid_model_without_a_price_records_nothing(cast: Any) -> None:
    with pytest.raises(UnknownPrice):
        record_in(cast.store_a, None, model="eleven_imaginary")
    assert CostEntry.all_objects.count() == 0


def test_entries_of_two_profiles_sum_exactly_and_apart(cast: Any) -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point: the ledger must be exact.
    for cost in ("0.1", "0.2", "0.000001"):
        record_in(cast.store_a, cost)
    for cost in ("0.7", "0.000002"):
        record_in(cast.store_b, cost)
    with profile_scope(cast.store_a):
        assert cost_summary()["total_usd"] == "0.300001"
        assert CostEntry.objects.count() == 3
    with profile_scope(cast.store_b):
        assert cost_summary()["total_usd"] == "0.700002"
        assert CostEntry.objects.count() == 2


def test_entries_survive_their_profiles_deletion_without_a_profile(cast: Any) -> None:
    kept = record_in(cast.store_a, "0.5")
    orphaned = [record_in(cast.store_b, "0.25"), record_in(cast.store_b, "0.5")]

    profile_delete(profile=cast.store_b)

    orphans = CostEntry.all_objects.filter(pk__in=[e.pk for e in orphaned])
    assert [e.profile_id for e in orphans] == [None, None]
    assert CostEntry.all_objects.get(pk=kept.pk).profile_id == cast.store_a.pk
    with profile_scope(cast.store_a):
        assert list(CostEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    with unscoped():
        assert CostEntry.objects.filter(profile__isnull=True).count() == 2


def test_the_scoped_model_rules_hold_with_the_nullable_profile(cast: Any) -> None:
    with profile_scope(cast.store_a):
        entry = CostEntry(provider="espeak", operation="tts", cost_usd=Decimal(0))
        entry.save()  # stamped with the scope's profile
        assert entry.profile_id == cast.store_a.pk
    with profile_scope(cast.store_b), pytest.raises(ScopeError):
        entry.save()  # another profile's row
    with pytest.raises(ScopeError):
        CostEntry.objects.count()  # no scope: the default manager fails closed
    with pytest.raises(ScopeError):
        CostEntry(provider="espeak", operation="tts", cost_usd=Decimal(0)).save()
