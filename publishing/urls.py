from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from publishing import api

router = SimpleRouter()
router.register("publications", api.PublicationViewSet, basename="publication")

urlpatterns = [
    path("status/", api.StatusView.as_view(), name="publishing-status"),
    path("integrations/", api.IntegrationsView.as_view(), name="publishing-integrations"),
    path("bulk/", api.BulkView.as_view(), name="publishing-bulk"),
    path("sync/", api.SyncView.as_view(), name="publishing-sync"),
    *router.urls,
]
