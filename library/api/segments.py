from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from library import keywords, selectors
from library.media import captions
from library.models import Segment, SegmentOrigin, SourceVideo
from library.services import segments as segment_services
from profiles.api import ProfileScopedViewSet, ScopedRelatedField


class SegmentSerializer(serializers.ModelSerializer):
    source_video = ScopedRelatedField(SourceVideo)
    keywords = serializers.ListField(child=serializers.CharField(max_length=50), max_length=30, required=False)

    class Meta:
        model = Segment
        fields = [
            "id", "source_video", "start", "end", "keywords", "notes", "description", "score", "origin",
            "is_favorite", "usage_count", "analysis", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "description", "origin", "usage_count", "analysis", "created_at", "updated_at"]
        extra_kwargs = {"start": {"min_value": 0}, "end": {"min_value": 0}, "score": {"min_value": 0, "max_value": 100}}


class SegmentUpdateSerializer(SegmentSerializer):
    class Meta(SegmentSerializer.Meta):
        read_only_fields = [*SegmentSerializer.Meta.read_only_fields, "source_video"]


class FavoriteSerializer(serializers.Serializer):
    is_favorite = serializers.BooleanField(default=True)


class MatchScriptSerializer(serializers.Serializer):
    script_text = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    srt = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    source_video = ScopedRelatedField(
        SourceVideo, required=False, help_text="match what is said in this video (its transcript's words)"
    )
    broll_seconds = serializers.FloatField(min_value=0.5, max_value=10, default=2.0)

    def validate(self, attrs: dict) -> dict:
        given = [
            bool(attrs.get("script_text", "").strip()),
            bool(attrs.get("srt", "").strip()),
            "source_video" in attrs,
        ]
        if sum(given) != 1:
            raise serializers.ValidationError("Send one of script_text, srt or source_video.")
        return attrs


class SegmentFilter(django_filters.FilterSet):
    source_video = django_filters.UUIDFilter()
    origin = django_filters.ChoiceFilter(choices=SegmentOrigin.choices)
    is_favorite = django_filters.BooleanFilter()
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = Segment
        fields = ["source_video", "origin", "is_favorite"]


class SegmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProfileScopedViewSet,
):
    """Segments of the profile's source videos: drawn by hand (origin manual) or scored by an
    analysis (origin ai). Filter with ?source_video=, ?origin=, ?is_favorite=, ?min_score=."""

    model = Segment
    serializer_class = SegmentSerializer
    filterset_class = SegmentFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return SegmentUpdateSerializer if self.action == "partial_update" else SegmentSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = segment_services.segment_create(**serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = segment_services.segment_update(
            segment=cast(Segment, serializer.instance), data=serializer.validated_data
        )

    @extend_schema(request=MatchScriptSerializer, responses=dict)
    @action(detail=False, methods=["post"], url_path="match-script")
    def match_script(self, request: Request) -> Response:
        """Which segments a voiceover would cut in, and when: a segment's keyword spoken in the
        script (exact word first, then a plural or other form). Times come from the SRT, from a
        source video's transcript (`source_video`: what is said in it), or are estimated for a
        bare script (the render uses the real voice's timings)."""
        form = MatchScriptSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        words: Sequence[captions.Word | keywords.TimedWord]
        if "source_video" in data:  # what is really said in the footage, with its real times
            transcript = selectors.transcript_usable(video=data["source_video"])
            if transcript is None:
                raise ValidationError({"source_video": "This video has no usable transcript yet: transcribe it first."})
            words = [keywords.TimedWord(str(w["text"]), float(w["start"]), float(w["end"])) for w in transcript.words]
            timing, field = "transcript", "source_video"
        elif data.get("srt", "").strip():
            words, timing, field = captions.words_from_srt_safe(data["srt"]), "srt", "srt"
            if not words:
                raise ValidationError({"srt": "Not a usable SRT (no timed text found)."})
        else:
            words, timing, field = keywords.estimate_words(data["script_text"]), "estimated", "script_text"
        # Bounded work per request (a transcript is read up to that many words, never refused).
        if field != "source_video" and len(words) > keywords.MAX_MATCH_WORDS:
            raise ValidationError({field: f"At most {keywords.MAX_MATCH_WORDS} words (this has {len(words)})."})
        rows = selectors.segment_keyword_rows(queryset=self.get_queryset())
        videos = {str(pk): str(video) for pk, _, video in rows}
        matches = keywords.match_keywords(words, [(pk, kws) for pk, kws, _ in rows], min_gap=data["broll_seconds"])
        return Response({
            "timing": timing,
            "matches": [{**m.as_dict(), "source_video": videos[m.segment]} for m in matches],
        })  # fmt: skip

    @extend_schema(request=FavoriteSerializer, responses=SegmentSerializer)
    @action(detail=True, methods=["post"])
    def favorite(self, request: Request, pk: str | None = None) -> Response:
        form = FavoriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        segment = segment_services.segment_update(
            segment=self.get_object(), data={"is_favorite": form.validated_data["is_favorite"]}
        )
        return Response(
            SegmentSerializer(segment, context=self.get_serializer_context()).data, status=status.HTTP_200_OK
        )
