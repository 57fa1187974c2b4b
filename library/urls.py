from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from library.api import brand, tts
from library.api.clips import ClipViewSet
from library.api.jobs import JobViewSet
from library.api.music import MusicTrackViewSet
from library.api.presets import PresetViewSet
from library.api.projects import ProjectViewSet
from library.api.segments import SegmentViewSet
from library.api.videos import SourceVideoViewSet

library_router = SimpleRouter()
library_router.register("source-videos", SourceVideoViewSet, basename="source-video")
library_router.register("segments", SegmentViewSet, basename="segment")
library_router.register("projects", ProjectViewSet, basename="project")
library_router.register("clips", ClipViewSet, basename="clip")
library_router.register("presets", PresetViewSet, basename="preset")
library_router.register("music", MusicTrackViewSet, basename="music-track")

jobs_router = SimpleRouter()
jobs_router.register("jobs", JobViewSet, basename="job")

library_urlpatterns = [
    *library_router.urls,
]
jobs_urlpatterns = jobs_router.urls

tts_urlpatterns = [
    path("voices/", tts.VoicesView.as_view(), name="tts-voices"),
    path("generate/", tts.GenerateView.as_view(), name="tts-generate"),
    path("clone-voice/", tts.CloneVoiceView.as_view(), name="tts-clone-voice"),
]

brand_kit_urlpatterns = [
    path("", brand.BrandKitView.as_view(), name="brand-kit"),
    path("logo/", brand.BrandLogoView.as_view(), name="brand-kit-logo"),
    path("font/", brand.BrandFontView.as_view(), name="brand-kit-font"),
]
