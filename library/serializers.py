from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from library.media.caption_style import RULES, StyleError, validate_style
from library.models import Job, SourceVideo


def _url(serializer: serializers.Serializer, name: str, pk: object) -> str:
    path = reverse(name, kwargs={"pk": pk})
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class SourceVideoSerializer(serializers.ModelSerializer):
    thumbnail_url = serializers.SerializerMethodField()
    stream_url = serializers.SerializerMethodField()

    class Meta:
        model = SourceVideo
        fields = [
            "id", "name", "description", "original_name", "duration", "width", "height", "fps",
            "has_audio", "video_codec", "audio_codec", "size_bytes", "sha256", "bit_rate", "rotation",
            "container", "thumbnail_url", "stream_url", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f not in ("name", "description")]

    def get_thumbnail_url(self, obj: SourceVideo) -> str | None:
        return _url(self, "source-video-thumbnail", obj.pk) if obj.thumbnail else None

    def get_stream_url(self, obj: SourceVideo) -> str:
        return _url(self, "source-video-stream", obj.pk)


class SourceVideoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class SourceVideoUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class JobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id", "kind", "status", "progress", "error", "result", "params", "attempts", "max_attempts",
            "cancel_requested", "source_video", "worker", "download_url", "created_at", "started_at",
            "finished_at", "heartbeat_at", "origin", "run_after", "parent", "waiting",
        ]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, obj: Job) -> str | None:
        return _url(self, "job-download", obj.pk) if obj.output else None


class CaptionStyleField(serializers.DictField):
    """A caption style, checked key by key (library.media.caption_style); stored canonically."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", f"caption style; keys: {', '.join(RULES)} (colours #RRGGBB)")
        super().__init__(**kwargs)

    def to_internal_value(self, data: dict[Any, Any]) -> dict[str, Any]:
        try:
            return validate_style(super().to_internal_value(data))
        except StyleError as exc:
            raise serializers.ValidationError(exc.detail) from None


class HookField(serializers.ChoiceField):
    """`hook`: "auto" (the first sentence of the script, or of the source's transcript, shown as
    the opening hook) or "none"; stored as the clip's hook_auto. `hook_text` gives the text itself."""

    HELP = 'opening hook: "auto" (first sentence of the script or transcript) or "none"'

    def __init__(self, *, required: bool = False, source: str = "hook_auto") -> None:
        super().__init__(choices=["auto", "none"], required=required, source=source, help_text=self.HELP)

    def to_internal_value(self, data: str) -> bool:  # type: ignore[override]  # stored as a boolean
        return bool(super().to_internal_value(data) == "auto")

    def to_representation(self, value: object) -> str:
        return "auto" if value else "none"
