"""Helpers shared by the cost tests."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from costs.models import CostEntry
from costs.services import cost_entry_record
from profiles.tenancy import profile_scope


def record_in(
    profile: Any,
    cost: str | None = "0.100000",
    *,
    provider: str = "elevenlabs",
    model: str = "eleven_multilingual_v2",
    operation: str = "tts",
    units: dict | None = None,
    job_id: uuid.UUID | None = None,
) -> CostEntry:
    """Record one entry as `profile` (cost None: priced from the table)."""
    with profile_scope(profile):
        return cost_entry_record(
            provider=provider,
            model=model,
            operation=operation,
            units={"characters": 100} if units is None else units,
            cost_usd=None if cost is None else Decimal(cost),
            job_id=job_id,
        )


def set_budget(profile: Any, amount: str | None) -> None:
    profile.monthly_budget_usd = None if amount is None else Decimal(amount)
    profile.save(update_fields=["monthly_budget_usd"])
