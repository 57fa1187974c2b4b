"""The profile dashboard: what a store made and spent over a range, and its budget.

It composes several apps, so it lives here in the project package, the one layer allowed to
import them all: it calls each app's selectors for the counts of its rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast
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
from library import selectors as library_selectors
from profiles.models import Profile
from profiles.selectors import profile_get
from profiles.tenancy import profile_scope
from publishing import selectors as publishing_selectors

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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
        counts = dashboard_counts(since=since)
        costs = cost_summary(since=since, group_by="provider")
        budget = budget_usage(now=now)
        engagement = publishing_selectors.dashboard_engagement(since=since)
        top_clips = publishing_selectors.top_clips(since=since.date() if since else None)
    return {
        "profile": {"id": str(profile.pk), "name": profile.name},
        "range": range_key,
        "since": since.isoformat() if since else None,
        "until": now.isoformat(),
        "counts": counts,
        "costs": {"total_usd": costs["total_usd"], "currency": costs["currency"], "by_provider": costs["groups"]},
        "budget": budget,
        "engagement": {**engagement, "cost_per_1000_views_usd": _per_thousand(costs["total_usd"], engagement["views"])},
        "top_clips": TopClipSerializer(top_clips, many=True).data,
    }


def _per_thousand(total_usd: object, views: int) -> str | None:
    """What 1,000 views cost: the range's spending over its views (None without views)."""
    if not views:
        return None
    return str((Decimal(str(total_usd)) * 1000 / views).quantize(Decimal("0.0001")))


def dashboard_counts(*, since: datetime | None) -> dict[str, Any]:
    """The rows the current profile created since `since` (None: ever), app by app."""
    return {
        "source_videos": library_selectors.dashboard_source_video_count(since=since),
        "projects": library_selectors.dashboard_project_count(since=since),
        "clips": library_selectors.dashboard_clip_counts(since=since),
        "renders": library_selectors.dashboard_render_count(since=since),
        "publications": publishing_selectors.dashboard_publication_counts(since=since),
    }


class DashboardQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(choices=list(RANGES), default="30d")


class DashboardCostsSerializer(serializers.Serializer):
    total_usd = serializers.CharField()
    currency = serializers.CharField()
    by_provider = SummaryGroupSerializer(many=True)


class DashboardCountsSerializer(serializers.Serializer):
    """Rows created in the range."""

    source_videos = serializers.IntegerField()
    projects = serializers.IntegerField()
    clips = serializers.DictField(
        child=serializers.IntegerField(), help_text="by status: raw, rendering, final, failed"
    )
    renders = serializers.IntegerField(help_text="final renders that succeeded (render, bulk-render, one-click jobs)")
    publications = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="by status: queued, uploading, submitted, published, failed, cancelled",
    )


class DashboardEngagementSerializer(serializers.Serializer):
    """Statistics from Postiz on the range's days (fetched every 6 hours)."""

    views = serializers.IntegerField()
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()
    cost_per_1000_views_usd = serializers.CharField(allow_null=True, help_text="the range's costs per 1,000 views")


class TopClipSerializer(serializers.Serializer):
    """A clip among the range's most viewed: its counts on the range's days; its cost (its share
    of the jobs that made it) per 1,000 of all its views."""

    clip = serializers.UUIDField()
    name = serializers.CharField(help_text="project · variant")
    views = serializers.IntegerField()
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()
    cost_usd = serializers.DecimalField(max_digits=14, decimal_places=6, coerce_to_string=True)
    cost_per_1000_views_usd = serializers.DecimalField(
        max_digits=14, decimal_places=4, coerce_to_string=True, allow_null=True
    )


class DashboardSerializer(serializers.Serializer):
    profile = serializers.DictField()
    range = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField()
    counts = DashboardCountsSerializer()
    costs = DashboardCostsSerializer()
    budget = UsageSerializer(help_text="This calendar month, whatever the range.")
    engagement = DashboardEngagementSerializer()
    top_clips = TopClipSerializer(many=True, help_text="the 5 clips with the most views in the range")


class ProfileDashboardView(APIView):
    """Counts and costs of one of the caller's profiles over `range`, and its budget this month.
    User-scoped like the rest of /profiles/: another user's profile answers 404."""

    @extend_schema(parameters=[DashboardQuerySerializer], responses=DashboardSerializer)
    def get(self, request: Request, pk: UUID) -> Response:
        profile = profile_get(user=cast("User", request.user), pk=pk)  # IsAuthenticated
        if profile is None:
            raise NotFound("Profile not found.")
        params = DashboardQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(profile_dashboard(profile=profile, range_key=params.validated_data["range"]))
