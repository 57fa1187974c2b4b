from __future__ import annotations

import logging

from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from library.api.streaming import serve_stored
from library.api.transcripts import TranscriptActions
from library.api.uploads import StreamingMultiPartParser
from library.media.probe import NotAVideo, SourceTooLarge
from library.models import SourceVideo
from library.serializers import (
    JobSerializer,
    SourceVideoSerializer,
    SourceVideoUpdateSerializer,
    SourceVideoUploadSerializer,
)
from library.services import projects as project_services
from library.services import videos as video_services
from profiles.api import ProfileScopedViewSet
from profiles.parsers import JSONParser

logger = logging.getLogger(__name__)


class UnsupportedVideo(APIException):
    status_code = 415
    default_code = "unsupported_media"


class AnalyzeSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=["local", "gemini"], required=False, help_text="omitted: gemini when a key is set, else local"
    )
    context_text = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class SourceVideoViewSet(
    TranscriptActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
    ProfileScopedViewSet,
):  # fmt: skip
    """The profile's product videos. Upload with multipart field `file` (plus `name`,
    `description`); the file is probed and must be a decodable video."""

    model = SourceVideo
    serializer_class = SourceVideoSerializer
    parser_classes = [StreamingMultiPartParser, JSONParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(
        request={"multipart/form-data": SourceVideoUploadSerializer},
        responses={
            201: SourceVideoSerializer,
            400: OpenApiResponse(description="bad form, or a video over the length or picture size limits"),
            413: OpenApiResponse(description="too large"),
            415: OpenApiResponse(description="not a decodable video"),
        },
    )
    def create(self, request: Request) -> Response:
        form = SourceVideoUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            video = video_services.source_video_create(
                upload=form.validated_data["file"],
                name=form.validated_data.get("name", ""),
                description=form.validated_data.get("description", ""),
            )
        except SourceTooLarge as exc:
            logger.info("upload refused: %s", exc.message)
            raise ValidationError({"file": [f"Too large: {exc.message}."]}) from None
        except NotAVideo as exc:
            logger.info("upload refused: %s", exc.message)
            raise UnsupportedVideo(f"Not a usable video: {exc.message}.") from None
        return Response(self.get_serializer(video).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SourceVideoUpdateSerializer, responses=SourceVideoSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        video = self.get_object()
        form = SourceVideoUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        video = video_services.source_video_update(video=video, data=form.validated_data)
        return Response(self.get_serializer(video).data)

    def perform_destroy(self, instance: SourceVideo) -> None:
        video_services.source_video_delete(video=instance)

    @extend_schema(responses={(200, "video/*"): bytes, (206, "video/*"): bytes})
    @action(detail=True, methods=["get"])
    def stream(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        video = self.get_object()
        return serve_stored(request, video.file.name, filename=f"{video.pk}{_suffix(video.file.name)}")

    @extend_schema(
        request=AnalyzeSerializer,
        responses={
            202: JobSerializer,
            400: OpenApiResponse(description="bad body, or a provider this install cannot use"),
            402: OpenApiResponse(description="a paid analysis over the monthly budget"),
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def analyze(self, request: Request, pk: str | None = None) -> Response:
        """Score the video's segments (local or Gemini) in a job; its result lists them. An
        analysis already made with the same provider and context is reused at no cost."""
        video = self.get_object()
        form = AnalyzeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = project_services.source_video_analyze(video=video, **form.validated_data)
        data = JobSerializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "image/jpeg"): bytes})
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        video = self.get_object()
        if not video.thumbnail:
            raise NotFound("This video has no thumbnail.")
        return serve_stored(request, video.thumbnail.name, filename=f"{video.pk}.jpg")


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""
