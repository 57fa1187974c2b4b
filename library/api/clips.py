from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models.fields.files import FieldFile
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from library import keywords
from library.api.music import MusicChoiceSerializer
from library.api.streaming import serve_stored
from library.media import captions
from library.models import Clip, ClipStatus, OriginalAudio
from library.serializers import CaptionStyleField, HookField, JobSerializer, _url
from library.services import clips as clip_services
from library.services import reframe, rendering
from profiles.api import ProfileScopedViewSet, ScopedRelatedField


class FocusPointSerializer(serializers.Serializer):
    t = serializers.FloatField(min_value=0, max_value=3600, help_text="output seconds")
    x = serializers.FloatField(min_value=0, max_value=1, help_text="the subject's x, a share of the source's width")


class ClipSerializer(serializers.ModelSerializer):
    raw_url = serializers.SerializerMethodField()
    final_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    music = serializers.SerializerMethodField()
    focus = serializers.SerializerMethodField(help_text="layout track's focus points [{t, x}] ([] once stale)")

    class Meta:
        model = Clip
        fields = [
            "id", "project", "variant_index", "duration", "final_duration", "status", "error", "is_selected",
            "cut_list", "layout", "focus", "selection", "script_text", "caption_style", "voice_id", "original_audio",
            "hook_text", "hook_auto", "render_info", "raw_url", "final_url", "preview_url", "thumbnail_url", "created_at", "updated_at", "music",
        ]  # fmt: skip
        read_only_fields = fields

    def _download(self, obj: Clip, kind: str) -> str:
        return f"{_url(self, 'clip-download', obj.pk)}?kind={kind}"

    @extend_schema_field(FocusPointSerializer(many=True))
    def get_focus(self, obj: Clip) -> list[dict[str, float]]:
        return reframe.clip_focus(obj)

    @extend_schema_field(MusicChoiceSerializer(allow_null=True))
    def get_music(self, obj: Clip) -> dict[str, Any] | None:
        if not obj.music_track_id:
            return None
        return {"track": str(obj.music_track_id), "volume_db": obj.music_volume_db}

    def get_raw_url(self, obj: Clip) -> str | None:
        return self._download(obj, "raw") if obj.raw_file else None

    def get_final_url(self, obj: Clip) -> str | None:
        return self._download(obj, "final") if obj.final_file else None

    def get_preview_url(self, obj: Clip) -> str | None:
        return self._download(obj, "preview") if obj.preview_file else None

    def get_thumbnail_url(self, obj: Clip) -> str | None:
        return _url(self, "clip-thumbnail", obj.pk) if obj.thumbnail else None


class ContentSerializer(serializers.Serializer):
    hook_text = serializers.CharField(max_length=120, required=False, allow_blank=True,
                                      help_text="opening hook shown large over the first 2.5 s (wins over hook)")  # fmt: skip
    hook = HookField(required=False, source="hook_auto")
    script_text = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    caption_style = CaptionStyleField(required=False)
    voice_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    original_audio = serializers.ChoiceField(choices=OriginalAudio.choices, required=False)
    srt = serializers.CharField(max_length=100_000, required=False, allow_blank=True, source="srt_text",
                                help_text="captions from this SRT instead of TTS timings (no voiceover)")  # fmt: skip
    layout = serializers.ChoiceField(choices=reframe.LAYOUTS, required=False)
    focus = serializers.ListField(
        child=FocusPointSerializer(), max_length=reframe.MAX_FOCUS_POINTS, required=False,
        help_text="layout track only: where the subject is (x, 0..1 of the source's width) at output time t "
                  "(seconds); the window follows the points, smoothed. [] clears them; a change of the cut "
                  "list clears them too. Start from render_info.track.points.",
    )  # fmt: skip
    captions = serializers.ChoiceField(
        choices=rendering.CAPTION_SOURCES, required=False, allow_null=True,
        help_text="what the captions show: the voiceover, the source's own speech, or none; null: automatic "
                  "(voiceover with a script, else speech when the source has a reliable transcript, else none)",
    )  # fmt: skip
    tighten = serializers.BooleanField(
        required=False, help_text="cut pauses (EDITAI_TIGHTEN_PAUSE) and filler words out of the pieces"
    )

    music = MusicChoiceSerializer(required=False, allow_null=True,
                                  help_text="a bed from /api/v1/library/music/ under the voice; null: none")  # fmt: skip

    def validate_focus(self, value: list[dict[str, float]]) -> list[dict[str, float]]:
        if any("t" not in p or "x" not in p for p in value):  # PATCH makes nested fields optional
            raise serializers.ValidationError("Every point needs t and x.")
        return value

    def validate_srt(self, value: str) -> str:
        words = captions.words_from_srt_safe(value) if value.strip() else None
        if words == []:
            raise serializers.ValidationError("Not a usable SRT (no timed text found).")
        if words and len(words) > keywords.MAX_MATCH_WORDS:  # b-roll matching reads that many at most
            raise serializers.ValidationError(f"At most {keywords.MAX_MATCH_WORDS} words (this has {len(words)}).")
        return value


class RenderSerializer(serializers.Serializer):
    preset = serializers.CharField(max_length=50, default="instagram_reels")
    layout = serializers.ChoiceField(choices=reframe.LAYOUTS, required=False,
                                     help_text="re-frame in this layout (kept on the clip); absent: the clip's")  # fmt: skip
    broll = serializers.BooleanField(default=False, help_text="cut in segments whose keywords are spoken")
    broll_seconds = serializers.FloatField(min_value=0.5, max_value=10, default=2.0)


class BulkRenderSerializer(RenderSerializer):
    clips = ScopedRelatedField(Clip, many=True, allow_empty=False)

    def validate_clips(self, value: list) -> list:
        if len(value) > 50:
            raise serializers.ValidationError("At most 50 clips per bulk render.")
        if len({c.pk for c in value}) != len(value):
            raise serializers.ValidationError("A clip may appear only once.")
        return value


class SelectSerializer(serializers.Serializer):
    selected = serializers.BooleanField(default=True)


class BulkSelectSerializer(serializers.Serializer):
    clips = ScopedRelatedField(Clip, many=True, allow_empty=False)
    selected = serializers.BooleanField(default=True)


class ClipFilter(django_filters.FilterSet):
    project = django_filters.UUIDFilter()
    status = django_filters.ChoiceFilter(choices=ClipStatus.choices)
    selected = django_filters.BooleanFilter(field_name="is_selected")

    class Meta:
        model = Clip
        fields = ["project", "status", "selected"]


class ClipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ProfileScopedViewSet):
    """The 9:16 variants of the profile's projects. Filter with ?project=&status=&selected=."""

    model = Clip
    serializer_class = ClipSerializer
    filterset_class = ClipFilter

    def perform_destroy(self, instance: Clip) -> None:
        clip_services.clip_delete(clip=instance)

    @extend_schema(request=ContentSerializer, responses=ClipSerializer)
    @action(detail=True, methods=["put", "patch"])
    def content(self, request: Request, pk: str | None = None) -> Response:
        """Script (voiceover), caption style, voice, what happens to the original audio, or an
        SRT to caption from instead of a voiceover."""
        clip = self.get_object()
        form = ContentSerializer(data=request.data, partial=request.method == "PATCH")
        form.is_valid(raise_exception=True)
        clip = rendering.clip_content_update(clip=clip, data=form.validated_data)
        return Response(self.get_serializer(clip).data)

    @extend_schema(request=RenderSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def render(self, request: Request, pk: str | None = None) -> Response:
        clip = self.get_object()
        form = RenderSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = rendering.clips_render(clips=[clip], **form.validated_data)
        return Response(JobSerializer(job, context=self.get_serializer_context()).data, status=202)

    @extend_schema(request=BulkRenderSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-render")
    def bulk_render(self, request: Request) -> Response:
        form = BulkRenderSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = rendering.clips_render(**form.validated_data)
        return Response(JobSerializer(job, context=self.get_serializer_context()).data, status=202)

    @extend_schema(request=SelectSerializer, responses=ClipSerializer)
    @action(detail=True, methods=["post"])
    def select(self, request: Request, pk: str | None = None) -> Response:
        form = SelectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        clips = clip_services.clips_select(clips=[self.get_object()], selected=form.validated_data["selected"])
        return Response(self.get_serializer(clips[0]).data)

    @extend_schema(request=BulkSelectSerializer, responses=ClipSerializer(many=True))
    # Not paginated: without pagination_class=None the schema documented a page for this list.
    @action(detail=False, methods=["post"], url_path="bulk-select", pagination_class=None)
    def bulk_select(self, request: Request) -> Response:
        form = BulkSelectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        clips = clip_services.clips_select(clips=form.validated_data["clips"], selected=form.validated_data["selected"])
        return Response(self.get_serializer(clips, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=["raw", "final", "preview"])],
        responses={(200, "video/mp4"): bytes},
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        clip = self.get_object()
        kind = request.query_params.get("kind", "final" if clip.final_file else "raw")
        if kind not in ("raw", "final", "preview"):
            raise ValidationError({"kind": "Must be 'raw', 'final' or 'preview'."})
        stored: FieldFile = {"final": clip.final_file, "raw": clip.raw_file, "preview": clip.preview_file}[kind]
        if not stored:
            raise NotFound(f"This clip has no {kind} file yet.")
        name = cast(str, stored.name)  # a FieldFile is truthy only with a name
        return serve_stored(request, name, filename=f"clip-{clip.variant_index}-{kind}.mp4", attachment=True)

    @extend_schema(responses={(200, "image/jpeg"): bytes})
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        clip = self.get_object()
        if not clip.thumbnail:
            raise NotFound("This clip has no thumbnail.")
        return serve_stored(request, clip.thumbnail.name, filename=f"clip-{clip.variant_index}.jpg")
