"""The profile dashboard: what a store made and spent over a range, and its budget.

It composes several apps, so it lives here in the project package, the one layer allowed to
import them all. Each app contributes counters of its own rows through its selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from costs.selectors import budget_usage, cost_summary
from costs.serializers import SummaryGroupSerializer, UsageSerializer
from profiles.models import Profile
from profiles.tenancy import profile_scope

# (name, counter): each counter runs inside the profile's scope and gets the start of the range
# (None for "all"). Apps append theirs as their models land, e.g.
# ("projects", library.selectors.project_count). Only what exists is reported: a missing count
# is absent, never a made-up zero.
Counter = Callable[[datetime | None], int]
DASHBOARD_COUNTERS: list[tuple[str, Counter]] = []

RANGES: dict[str, timedelta | None] = {
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "all": None,
}


def profile_dashboard(*, profile: Profile, range_key: str, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    span = RANGES[range_key]
    since = None if span is None else now - span
    with profile_scope(profile):
        counts = {name: counter(since) for name, counter in DASHBOARD_COUNTERS}
        costs = cost_summary(since=since, group_by="provider")
        budget = budget_usage(now=now)
    return {
        "profile": {"id": str(profile.pk), "name": profile.name},
        "range": range_key,
        "since": since.isoformat() if since else None,
        "until": now.isoformat(),
        "counts": counts,
        "costs": {"total_usd": costs["total_usd"], "currency": costs["currency"], "by_provider": costs["groups"]},
        "budget": budget,
    }


class DashboardQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(choices=list(RANGES), default="30d")


class DashboardCostsSerializer(serializers.Serializer):
    total_usd = serializers.CharField()
    currency = serializers.CharField()
    by_provider = SummaryGroupSerializer(many=True)


class DashboardSerializer(serializers.Serializer):
    profile = serializers.DictField()
    range = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField()
    counts = serializers.DictField(child=serializers.IntegerField())
    costs = DashboardCostsSerializer()
    budget = UsageSerializer(help_text="This calendar month, whatever the range.")


class ProfileDashboardView(APIView):
    """Counts and costs of one of the caller's profiles over `range`, and its budget this month.
    User-scoped like the rest of /profiles/: another user's profile answers 404."""

    @extend_schema(parameters=[DashboardQuerySerializer], responses=DashboardSerializer)
    def get(self, request: Request, pk: UUID) -> Response:
        profile = Profile.objects.filter(pk=pk, user=request.user).first()
        if profile is None:
            raise NotFound("Profile not found.")
        params = DashboardQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(profile_dashboard(profile=profile, range_key=params.validated_data["range"]))
