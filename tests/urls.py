from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from editai.urls import handler404, handler500  # noqa: F401
from editai.urls import urlpatterns as project_urlpatterns
from tests.scopedapp.api import NoteViewSet, ScopeProbeView

router = SimpleRouter()
router.register("notes", NoteViewSet, basename="note")

urlpatterns = [
    path("api/v1/test/", include(router.urls)),
    path("api/v1/test/scope-probe/", ScopeProbeView.as_view(), name="scope-probe"),
    *project_urlpatterns,
]
