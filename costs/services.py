"""Writes of the cost ledger: recording provider calls and the budget reservation cycle.

Every provider adapter calls `cost_entry_record()` once per billed call, inside the job's
profile scope. Costed jobs reserve their estimate at start (`budget_reserve`), then commit on
success or release on failure; a sweep (`budget_release_stale`) frees reservations of jobs that
died without doing either.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from costs import pricing, selectors
from costs.models import COUNT_UNITS, BudgetReservation, CostEntry, validate_units
from profiles.errors import OverBudget
from profiles.models import Profile
from profiles.tenancy import ScopeError, current_profile

logger = logging.getLogger(__name__)


class BudgetExceeded(OverBudget):
    code = "budget_exceeded"
    default_detail = "This work would exceed the profile's monthly budget."


def _scope_profile() -> Profile:
    profile = current_profile()
    if profile is None:
        raise ScopeError("costs are recorded and reserved inside a profile scope")
    return profile


def _normalized_units(units: dict[str, Any]) -> dict[str, Any]:
    """Validated units in a JSON-safe form: whole counts as int, seconds as float."""
    validate_units(units)
    return {key: int(value) if key in COUNT_UNITS else round(float(value), 3) for key, value in sorted(units.items())}


@transaction.atomic
def cost_entry_record(
    *,
    provider: str,
    model: str,
    operation: str,
    units: dict[str, Any],
    cost_usd: Decimal | None = None,
    job_id: uuid.UUID | str | None = None,
) -> CostEntry:
    """Record one provider call for the current profile. Without `cost_usd`, the cost comes from
    the price table (UnknownPrice for a paid model without a price)."""
    profile = _scope_profile()
    clean_units = _normalized_units(units)
    if cost_usd is None:
        cost_usd = pricing.cost_for(provider=provider, model=model, units=clean_units)
    entry = CostEntry(
        profile=profile,
        provider=provider,
        model=model,
        operation=operation,
        units=clean_units,
        cost_usd=Decimal(cost_usd),
        job_id=job_id,
    )
    entry.full_clean()
    entry.save()
    logger.info("cost recorded: %s %s %s $%s %s", provider, model, operation, entry.cost_usd, clean_units)
    return entry


def cost_entries_move(*, from_job_id: uuid.UUID | str, to_job_id: uuid.UUID | str) -> int:
    """A part of a larger job (a fan-out's child) spent on the larger job's behalf: its entries
    become the larger job's, where its budget reservation and the user's view of its cost are."""
    return CostEntry.objects.filter(job_id=from_job_id).update(job_id=to_job_id)


def _usd(amount: Decimal) -> str:
    """Cents when exact, else every significant decimal: a $0.0105 estimate must not read as
    $0.01 next to a $0.01 budget."""
    cents = amount.quantize(Decimal("0.01"))
    return f"${cents}" if cents == amount else f"${amount.quantize(pricing.CENT_MILLIONTH).normalize():f}"


def _refusal(*, spent: Decimal, held: Decimal, estimate: Decimal, budget: Decimal) -> str:
    return (
        f"Monthly budget exceeded: {_usd(spent)} spent and {_usd(held)} reserved this month, plus "
        f"{_usd(estimate)} estimated for this work, is more than the {_usd(budget)} budget. "
        "Raise monthly_budget_usd or wait for next month."
    )


@transaction.atomic
def budget_reserve(*, job_id: uuid.UUID | str, operation: str, estimate_usd: Decimal) -> BudgetReservation:
    """Hold `estimate_usd` against the current profile's monthly budget for a job, or raise
    BudgetExceeded (402). The profile row is locked, so two jobs reserving at once are counted
    one after the other and cannot overspend together.

    Call it in the same transaction that creates the job: the refusal then rolls the job back
    and the request creates nothing. Reserving again for the same job (a retry) re-holds it.
    """
    profile = _scope_profile()
    estimate = Decimal(estimate_usd)
    locked = Profile.objects.select_for_update().only("id", "monthly_budget_usd").get(pk=profile.pk)
    reservation = BudgetReservation.objects.filter(job_id=job_id).first()
    budget = locked.monthly_budget_usd
    if budget is not None:
        month = selectors.month_to_date(exclude_job_id=job_id)
        if month.spent_usd + month.reserved_usd + estimate > budget:
            raise BudgetExceeded(
                _refusal(spent=month.spent_usd, held=month.reserved_usd, estimate=estimate, budget=budget)
            )
    now = timezone.now()
    if reservation is None:
        reservation = BudgetReservation(profile=profile, job_id=job_id, created_at=now)
    reservation.operation = operation
    reservation.estimate_usd = estimate
    reservation.status = BudgetReservation.Status.HELD
    reservation.updated_at = now
    reservation.full_clean()
    reservation.save()
    return reservation


@transaction.atomic
def budget_reserve_again(*, job_id: uuid.UUID | str) -> BudgetReservation | None:
    """A retried job holds its estimate again, checked against this month's budget like new work
    (BudgetExceeded when it no longer fits). None when the job reserved nothing (free work)."""
    _scope_profile()
    previous = BudgetReservation.objects.filter(job_id=job_id).first()
    if previous is None or previous.estimate_usd <= 0:
        return None
    return budget_reserve(job_id=job_id, operation=previous.operation, estimate_usd=previous.estimate_usd)


def _settle(*, job_id: uuid.UUID | str, status: str) -> BudgetReservation | None:
    _scope_profile()
    reservation = BudgetReservation.objects.select_for_update().filter(job_id=job_id).first()
    if reservation is None or reservation.status != BudgetReservation.Status.HELD:
        return reservation
    reservation.status = status
    reservation.updated_at = timezone.now()
    reservation.save(update_fields=["status", "updated_at"])
    return reservation


@transaction.atomic
def budget_commit(*, job_id: uuid.UUID | str) -> BudgetReservation | None:
    """The job succeeded: its real cost is whatever entries it recorded, and the estimate stops
    counting. Safe to call for a job that reserved nothing (returns None) or twice."""
    return _settle(job_id=job_id, status=BudgetReservation.Status.COMMITTED)


@transaction.atomic
def budget_release(*, job_id: uuid.UUID | str) -> BudgetReservation | None:
    """The job failed or was cancelled: the estimate stops counting; entries it did record (the
    provider billed them) still count as spend."""
    return _settle(job_id=job_id, status=BudgetReservation.Status.RELEASED)


@transaction.atomic
def budget_release_stale(*, older_than: timedelta, live_job_ids: set[Any]) -> int:
    """Release held reservations untouched for `older_than` whose job is not among
    `live_job_ids` (queued or running jobs). Runs in a profile scope or unscoped() for all
    profiles; returns how many were released."""
    cutoff = timezone.now() - older_than
    stale = BudgetReservation.objects.filter(status=BudgetReservation.Status.HELD, updated_at__lt=cutoff).exclude(
        job_id__in=list(live_job_ids)
    )
    released = stale.update(status=BudgetReservation.Status.RELEASED, updated_at=timezone.now())
    if released:
        logger.info("released %d stale budget reservation(s)", released)
    return released
