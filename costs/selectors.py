"""Reads of the cost ledger. Periods are half-open, [since, until), in UTC.

Everything here but `cost_report_rows` runs through the scoped managers, so it sees the current
profile's rows only. Aggregations run in the database with a fixed number of queries, however
many entries there are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.utils import timezone

from costs.models import COUNT_UNITS, LEGACY_PROFILE_LABEL, UNIT_KEYS, BudgetReservation, CostEntry
from costs.pricing import CENT_MILLIONTH
from profiles.tenancy import current_profile

GROUP_BY = ("provider", "day", "month")
ZERO = Decimal("0")


def money(amount: Decimal | None) -> str:
    """Dollars as the API renders them: a string with the ledger's six decimals."""
    return str((amount or ZERO).quantize(CENT_MILLIONTH))


def month_start(now: datetime | None = None) -> datetime:
    now = (now or timezone.now()).astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _period(qs: QuerySet, since: datetime | None, until: datetime | None) -> QuerySet:
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs


def _unit_sums() -> dict[str, Sum]:
    # Units live in JSON; the database sums them (missing keys are NULL and ignored).
    numeric = DecimalField(max_digits=24, decimal_places=6)
    return {f"unit_{key}": Sum(Cast(KT(f"units__{key}"), numeric)) for key in UNIT_KEYS}


def _units_of(row: dict[str, Any]) -> dict[str, int | float]:
    units: dict[str, int | float] = {}
    for key in UNIT_KEYS:
        total = row.get(f"unit_{key}")
        if total is not None:
            units[key] = int(total) if key in COUNT_UNITS else float(total)
    return units


def cost_entry_list(
    *,
    provider: str | None = None,
    model: str | None = None,
    operation: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet:
    qs = _period(CostEntry.objects.all(), since, until)
    for name, value in (("provider", provider), ("model", model), ("operation", operation)):
        if value:
            qs = qs.filter(**{name: value})
    return qs.order_by("-created_at", "id")


def cost_summary(*, since: datetime | None = None, until: datetime | None = None, group_by: str = "provider") -> dict:
    """`{total_usd, currency, groups: [{key, total_usd, count, units}]}` in one query."""
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {GROUP_BY}")
    key = {
        "provider": F("provider"),
        "day": TruncDate("created_at", tzinfo=UTC),
        "month": TruncMonth("created_at", tzinfo=UTC),
    }[group_by]
    rows = (
        _period(CostEntry.objects.all(), since, until)
        .annotate(group_key=key)
        .values("group_key")
        .annotate(total=Sum("cost_usd"), count=Count("id"), **_unit_sums())
        .order_by("group_key")
    )
    groups = []
    total = ZERO
    for row in rows:
        total += row["total"]
        group_key = row["group_key"]
        if group_by == "day":
            group_key = group_key.isoformat()
        elif group_by == "month":
            group_key = group_key.strftime("%Y-%m")
        groups.append(
            {"key": group_key, "total_usd": money(row["total"]), "count": row["count"], "units": _units_of(row)}
        )
    return {"total_usd": money(total), "currency": "USD", "group_by": group_by, "groups": groups}


@dataclass(frozen=True)
class MonthToDate:
    start: datetime
    spent_usd: Decimal  # every entry recorded this calendar month (UTC)
    reserved_usd: Decimal  # held estimates not yet covered by their job's own entries
    by_provider: dict[str, Decimal] = field(default_factory=dict)


def month_to_date(*, exclude_job_id: uuid.UUID | str | None = None, now: datetime | None = None) -> MonthToDate:
    """What the current profile has spent and holds this month. A running job's entries count
    as spent, and its reservation only for the part of the estimate they have not used yet, so
    nothing is counted twice."""
    start = month_start(now)
    by_provider = {
        row["provider"]: row["total"]
        for row in CostEntry.objects.filter(created_at__gte=start)
        .values("provider")
        .annotate(total=Sum("cost_usd"))
        .order_by("provider")
    }
    held_qs = BudgetReservation.objects.filter(status=BudgetReservation.Status.HELD)
    if exclude_job_id is not None:
        held_qs = held_qs.exclude(job_id=exclude_job_id)
    held = dict(held_qs.values_list("job_id", "estimate_usd"))
    reserved = ZERO
    if held:
        recorded = dict(
            CostEntry.objects.filter(job_id__in=list(held))
            .values("job_id")
            .annotate(total=Sum("cost_usd"))
            .order_by()
            .values_list("job_id", "total")
        )
        reserved = sum((max(estimate - recorded.get(job_id, ZERO), ZERO) for job_id, estimate in held.items()), ZERO)
    return MonthToDate(
        start=start, spent_usd=sum(by_provider.values(), ZERO), reserved_usd=reserved, by_provider=by_provider
    )


def _percent(used: Decimal, budget: Decimal) -> float:
    if budget == 0:  # a zero budget allows no costed work: any use is all of it
        return 100.0 if used > 0 else 0.0
    return round(float(used / budget * 100), 2)


def budget_usage(*, now: datetime | None = None) -> dict:
    """Month-to-date spend of the current profile against its monthly budget."""
    profile = current_profile()
    month = month_to_date(now=now)
    budget = profile.monthly_budget_usd if profile is not None else None
    used = month.spent_usd + month.reserved_usd
    remaining = percent = None
    if budget is not None:
        remaining = money(max(budget - used, ZERO))
        percent = _percent(used, budget)
    return {
        "currency": "USD",
        "month": month.start.strftime("%Y-%m"),
        "period_start": month.start.isoformat(),
        "spent_usd": money(month.spent_usd),
        "reserved_usd": money(month.reserved_usd),
        "budget_usd": None if budget is None else money(budget),
        "remaining_usd": remaining,
        "percent_used": percent,
        "by_provider": {provider: money(total) for provider, total in month.by_provider.items()},
    }


def cost_report_rows(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    profile_id: uuid.UUID | None = None,
    legacy_only: bool = False,
    by_provider: bool = False,
) -> list[dict[str, Any]]:
    """Totals per profile and month (and provider) across all profiles, for operators. Uses the
    unscoped manager on purpose: the caller runs it under unscoped(). Deleted profiles' entries
    come out under LEGACY_PROFILE_LABEL with an empty profile id."""
    qs = _period(CostEntry.all_objects.all(), since, until)
    if legacy_only:
        qs = qs.filter(profile__isnull=True)
    elif profile_id is not None:
        qs = qs.filter(profile_id=profile_id)
    keys = ["profile_id", "profile__name", "profile__user__username", "month"]
    if by_provider:
        keys.append("provider")
    rows = (
        qs.annotate(month=TruncMonth("created_at", tzinfo=UTC))
        .values(*keys)
        .annotate(total=Sum("cost_usd"), count=Count("id"), **_unit_sums())
        .order_by("month", F("profile__name").asc(nulls_last=True), "profile_id", *keys[4:])
    )
    report = []
    for row in rows:
        legacy = row["profile_id"] is None
        item = {
            "month": row["month"].strftime("%Y-%m"),
            "profile_id": "" if legacy else str(row["profile_id"]),
            "profile": LEGACY_PROFILE_LABEL if legacy else row["profile__name"],
            "owner": "" if legacy else row["profile__user__username"],
        }
        if by_provider:
            item["provider"] = row["provider"]
        units = _units_of(row)
        item |= {"entries": row["count"], "total_usd": money(row["total"])}
        item |= {key: units.get(key, 0) for key in UNIT_KEYS}
        report.append(item)
    return report


def cost_per_day_by_provider(*, since: datetime) -> dict[tuple[date, str], Decimal]:
    """The current profile's spending since `since`, per UTC day and provider, in one query."""
    rows = (
        CostEntry.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .order_by()
        .values_list("day", "provider")
        .annotate(total=Sum("cost_usd"))
    )
    return {(day, provider): total for day, provider, total in rows}
