"""The per-profile dashboard support staff open from a profile's admin page: the API dashboard's
figures over the last 30 days, and four charts drawn on the server (editai.charts): costs per day
by provider, renders per day, publications per day, and the clips with the most views.

It reads costs, the library and publishing, so it lives here, in the composition layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.safestring import SafeString

from costs.models import Provider
from costs.selectors import cost_per_day_by_provider
from editai import charts
from editai.dashboard import profile_dashboard
from library.models import Job, JobStatus
from library.selectors import RENDER_KINDS
from profiles.models import Profile
from profiles.tenancy import profile_scope
from publishing.selectors import publications_per_day

DAYS = 30


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: SafeString


@dataclass(frozen=True)
class SupportDashboard:
    profile: Profile
    since: date
    until: date
    figures: dict[str, Any]  # profile_dashboard(range="30d")
    charts: list[Chart]


def renders_per_day(*, since: datetime) -> dict[date, int]:
    """Final renders that succeeded per UTC day (the API dashboard's `renders`, by day).
    (A read of the library's jobs; kept beside its only caller.)"""
    rows = (
        Job.objects.filter(kind__in=RENDER_KINDS, status=JobStatus.SUCCEEDED, finished_at__gte=since)
        .annotate(day=TruncDate("finished_at", tzinfo=UTC))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def _days(until: date) -> list[date]:
    return [until - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]


def support_dashboard(*, profile: Profile, now: datetime | None = None) -> SupportDashboard:
    now = now or timezone.now()
    days = _days(now.astimezone(UTC).date())
    since = datetime.combine(days[0], datetime.min.time(), tzinfo=UTC)
    labels = [day.strftime("%b %d") for day in days]
    with profile_scope(profile):
        costs = cost_per_day_by_provider(since=since)
        renders = renders_per_day(since=since)
        published = publications_per_day(since=since)
    figures = profile_dashboard(profile=profile, range_key="30d", now=now)
    providers = sorted({provider for _, provider in costs})
    names = dict(Provider.choices)
    cost_series = [
        charts.Series(
            name=names.get(provider, provider),
            values=[float(costs.get((day, provider), Decimal(0))) for day in days],
            color=charts.PALETTE[i % len(charts.PALETTE)],
        )
        for i, provider in enumerate(providers)
    ]
    rendered = charts.Series("Renders", [renders.get(day, 0) for day in days], charts.PALETTE[2])
    posted = charts.Series("Publications", [published.get(day, 0) for day in days], charts.PALETTE[1])
    top = [(clip["name"], float(clip["views"])) for clip in figures["top_clips"]]
    return SupportDashboard(
        profile=profile,
        since=days[0],
        until=days[-1],
        figures=figures,
        charts=[
            Chart("costs", "Costs per day by provider (USD)",
                  charts.stacked_columns(title="Costs per day by provider", labels=labels, series=cost_series,
                                         fmt=charts.dollars)),
            # Two charts, not one stack: a render and a post are not parts of one total.
            Chart("renders", "Final renders per day",
                  charts.stacked_columns(title="Final renders per day", labels=labels, series=[rendered])),
            Chart("publications", "Posts published per day",
                  charts.stacked_columns(title="Posts published per day", labels=labels, series=[posted])),
            Chart("top-clips", "Top clips by views",
                  charts.ranked_bars(title="Top clips by views", items=top)),
        ],
    )  # fmt: skip
