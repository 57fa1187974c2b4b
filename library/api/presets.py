from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from library.models import ExportPreset
from library.presets import BUILT_IN
from library.services import presets as preset_services
from profiles.api import ProfileScopedViewSet


class PresetSerializer(serializers.ModelSerializer):
    built_in = serializers.SerializerMethodField()

    class Meta:
        model = ExportPreset
        fields = [
            "name", "description", "width", "height", "fps", "crf", "speed", "max_bitrate", "audio_bitrate",
            "loudness", "safe_top", "safe_bottom", "safe_left", "safe_right", "pad_darken", "built_in",
        ]  # fmt: skip
        validators: list[Any] = []

    def get_built_in(self, obj: ExportPreset) -> bool:
        return False


class PresetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProfileScopedViewSet,
):
    """Export presets by name: the built-in instagram_reels, tiktok and youtube_shorts
    (H.264 high, yuv420p, AAC, +faststart, -14 LUFS; read-only), and the profile's own."""

    model = ExportPreset
    serializer_class = PresetSerializer
    lookup_field = "name"
    lookup_value_regex = r"[-\w]+"
    pagination_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def list(self, request: Request) -> Response:
        own = self.get_serializer(self.get_queryset(), many=True).data
        return Response([p.as_dict() for p in BUILT_IN.values()] + list(own))

    def retrieve(self, request: Request, name: str | None = None) -> Response:
        if name in BUILT_IN:
            return Response(BUILT_IN[name].as_dict())
        return super().retrieve(request, name=name)

    def _refuse_built_in(self) -> None:
        if self.kwargs.get("name") in BUILT_IN:
            raise PermissionDenied("Built-in presets cannot be changed; create your own.")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = preset_services.preset_create(**serializer.validated_data)

    @extend_schema(request=PresetSerializer, responses=PresetSerializer)
    def partial_update(self, request: Request, name: str | None = None) -> Response:
        self._refuse_built_in()
        return super().partial_update(request, name=name)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        preset = cast(ExportPreset, serializer.instance)  # an update always has its instance
        serializer.instance = preset_services.preset_update(preset=preset, data=serializer.validated_data)

    def destroy(self, request: Request, name: str | None = None) -> Response:
        self._refuse_built_in()
        return super().destroy(request, name=name)
