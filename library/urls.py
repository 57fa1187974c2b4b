from __future__ import annotations

from rest_framework.routers import SimpleRouter

from library.api.jobs import JobViewSet
from library.api.videos import SourceVideoViewSet

library_router = SimpleRouter()
library_router.register("source-videos", SourceVideoViewSet, basename="source-video")

jobs_router = SimpleRouter()
jobs_router.register("jobs", JobViewSet, basename="job")

library_urlpatterns = library_router.urls
jobs_urlpatterns = jobs_router.urls
