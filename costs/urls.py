from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from costs import api

router = SimpleRouter()
router.register("entries", api.CostEntryViewSet, basename="cost-entry")

urlpatterns = [
    path("summary/", api.CostSummaryView.as_view(), name="cost-summary"),
    path("usage/", api.CostUsageView.as_view(), name="cost-usage"),
    *router.urls,
]
