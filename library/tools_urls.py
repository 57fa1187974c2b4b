"""/api/v1/tools/: the stand-alone video tools (library/api/tools.py)."""

from __future__ import annotations

from django.urls import path

from library.api import tools

urlpatterns = [
    path("video-info/", tools.VideoInfoView.as_view(), name="tools-video-info"),
    path("trim/", tools.TrimView.as_view(), name="tools-trim"),
    path("concatenate/", tools.ConcatenateView.as_view(), name="tools-concatenate"),
    path("detect-voice/", tools.DetectVoiceView.as_view(), name="tools-detect-voice"),
    path("mute-voice/", tools.MuteVoiceView.as_view(), name="tools-mute-voice"),
    path("add-voiceover/", tools.AddVoiceoverView.as_view(), name="tools-add-voiceover"),
    path("templates/", tools.TemplateListView.as_view(), name="tools-templates"),
    path("templates/<slug:name>/render/", tools.TemplateRenderView.as_view(), name="tools-template-render"),
]
