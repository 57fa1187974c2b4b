"""/api/v1/library/music/: the profile's music beds (upload, list, rename, stream, delete)."""

from __future__ import annotations

import logging

from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from library.api.streaming import serve_stored
from library.api.uploads import StreamingMultiPartParser
from library.media.probe import NotAudio, SourceTooLarge
from library.models import MusicTrack
from library.serializers import _url
from library.services import music as music_services
from profiles.api import ProfileScopedViewSet, ScopedRelatedField
from profiles.parsers import JSONParser

logger = logging.getLogger(__name__)


class MusicTooLargeError(APIException):
    status_code = 413
    default_code = "upload_too_large"


class MusicTrackSerializer(serializers.ModelSerializer):
    stream_url = serializers.SerializerMethodField()

    class Meta:
        model = MusicTrack
        fields = [
            "id", "name", "original_name", "duration", "size_bytes", "codec", "sample_rate", "channels", "container",
            "stream_url", "created_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f != "name"]

    def get_stream_url(self, obj: MusicTrack) -> str:
        return _url(self, "music-track-stream", obj.pk)


class MusicUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)


class MusicUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)


class MusicChoiceSerializer(serializers.Serializer):
    """`music` on clip content and one-click: a track of the profile's library under the voice."""

    track = ScopedRelatedField(MusicTrack)
    volume_db = serializers.FloatField(
        min_value=-40, max_value=0, default=music_services.DEFAULT_VOLUME_DB,
        help_text="the bed's loudness under the voice's while it speaks, in dB (12 dB more in its pauses)",
    )  # fmt: skip


class MusicTrackViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ProfileScopedViewSet
):
    """The profile's music beds, for `music: {track, volume_db}` on clips and one-click. Upload
    with multipart field `file` (mp3, m4a, wav or ogg, with sound; plus `name`)."""

    model = MusicTrack
    serializer_class = MusicTrackSerializer
    parser_classes = [StreamingMultiPartParser, JSONParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(
        request={"multipart/form-data": MusicUploadSerializer},
        responses={
            201: MusicTrackSerializer,
            400: OpenApiResponse(description="not an mp3/m4a/wav/ogg with sound, or longer than the limit"),
            413: OpenApiResponse(description="too large"),
        },
    )
    def create(self, request: Request) -> Response:
        form = MusicUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            track = music_services.music_track_create(
                upload=form.validated_data["file"], name=form.validated_data.get("name", "")
            )
        except music_services.MusicTooLarge as exc:
            raise MusicTooLargeError(f"Too large: {exc.message}.") from None
        except (NotAudio, SourceTooLarge) as exc:
            logger.info("music upload refused: %s", exc.message)
            raise ValidationError({"file": [f"Not a usable music track: {exc.message}."]}) from None
        return Response(self.get_serializer(track).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MusicUpdateSerializer, responses=MusicTrackSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        track = self.get_object()
        form = MusicUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        track = music_services.music_track_update(track=track, name=form.validated_data["name"])
        return Response(self.get_serializer(track).data)

    def perform_destroy(self, instance: MusicTrack) -> None:
        music_services.music_track_delete(track=instance)

    @extend_schema(responses={(200, "audio/*"): bytes, (206, "audio/*"): bytes})
    @action(detail=True, methods=["get"])
    def stream(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        track = self.get_object()
        suffix = track.file.name.rsplit(".", 1)[-1] if "." in track.file.name else "bin"
        return serve_stored(request, track.file.name, filename=f"{track.pk}.{suffix}")
