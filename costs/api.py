"""The cost API of the current profile: ledger entries, summaries and budget usage."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from costs import selectors
from costs.models import CostEntry
from costs.serializers import (
    CostEntrySerializer,
    EntryFilterSerializer,
    SummaryInputSerializer,
    SummarySerializer,
    UsageSerializer,
)
from profiles.api import ProfileScopedViewSet


@extend_schema_view(list=extend_schema(parameters=[EntryFilterSerializer]))
class CostEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProfileScopedViewSet):
    """Every billed provider call of the profile, newest first. Read-only: entries are written
    by the providers' adapters."""

    model = CostEntry
    serializer_class = CostEntrySerializer

    def scoped_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        params = EntryFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.cost_entry_list(**params.validated_data)


class CostSummaryView(APIView):
    """Total spend of the profile over a period, grouped by provider, day or month (UTC)."""

    @extend_schema(parameters=[SummaryInputSerializer], responses=SummarySerializer)
    def get(self, request: Request) -> Response:
        params = SummaryInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(selectors.cost_summary(**params.validated_data))


class CostUsageView(APIView):
    """This calendar month's spend and reservations against the profile's monthly budget."""

    @extend_schema(responses=UsageSerializer)
    def get(self, request: Request) -> Response:
        return Response(selectors.budget_usage())
