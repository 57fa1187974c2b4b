"""What is said in a source video: /source-videos/{id}/transcribe/ and /source-videos/{id}/transcript/
(actions mixed into SourceVideoViewSet, so the video is found through its tenancy rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from library import selectors
from library.models import SourceVideo, Transcript
from library.providers.stt import PROVIDERS
from library.serializers import JobSerializer
from library.services import transcripts
from library.spoken import SUBTITLE_FORMATS
from profiles.parsers import JSONParser

if TYPE_CHECKING:
    from rest_framework.viewsets import GenericViewSet

    _ViewSet = GenericViewSet[SourceVideo]
else:
    _ViewSet = object


class TranscribeSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=PROVIDERS, required=False, help_text="omitted: local (free)")
    language = serializers.CharField(
        max_length=8, required=False, allow_blank=True, allow_null=True, help_text="ISO 639-1; omitted: detected"
    )
    context_text = serializers.CharField(
        max_length=5000, required=False, allow_blank=True,
        help_text="product description whose names bias the spelling; omitted: the video's projects'",
    )  # fmt: skip


class TranscriptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transcript
        fields = [
            "id", "source_video", "provider", "model", "language", "text", "words", "sentences",
            "mean_probability", "reliable", "duration", "corrected_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class CorrectionSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=0)
    text = serializers.CharField(max_length=transcripts.MAX_CORRECTION_CHARS, allow_blank=True, trim_whitespace=True)


class CorrectionsSerializer(serializers.Serializer):
    words = CorrectionSerializer(many=True, allow_empty=False, help_text="an empty text removes the word")


class TranscriptActions(_ViewSet):
    """Mixed into SourceVideoViewSet: get_object() is its tenancy-checked lookup (404 for
    another profile's video)."""

    @extend_schema(
        request=TranscribeSerializer,
        responses={202: JobSerializer, 400: OpenApiResponse(description="no audio, unknown language, or a "
                   "language the model cannot do"), 402: OpenApiResponse(description="over the monthly budget")},
    )  # fmt: skip
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def transcribe(self, request: Request, pk: str | None = None) -> Response:
        """Transcribe the video's speech in a job (local faster-whisper, or ElevenLabs). The new
        transcript replaces the video's previous one."""
        video = self.get_object()
        form = TranscribeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = transcripts.transcript_start(video=video, **form.validated_data)
        return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as", OpenApiTypes.STR, enum=sorted(SUBTITLE_FORMATS), description="subtitles instead of JSON"
            )
        ],  # fmt: skip
        responses={200: TranscriptSerializer, (200, "text/vtt"): bytes, 404: OpenApiResponse(description="none yet")},
    )
    @action(detail=True, methods=["get"], parser_classes=[JSONParser])
    def transcript(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        """The video's transcript (404 until one exists); `?as=srt|vtt` for subtitles."""
        found = self._transcript()
        fmt = request.query_params.get("as")
        if fmt is None:
            return Response(TranscriptSerializer(found).data)
        if fmt not in SUBTITLE_FORMATS:
            raise ValidationError({"as": f"Use one of {sorted(SUBTITLE_FORMATS)}."})
        response = HttpResponse(
            transcripts.transcript_subtitles(transcript=found, fmt=fmt),
            content_type=f"{SUBTITLE_FORMATS[fmt]}; charset=utf-8",
        )
        response["Content-Disposition"] = f'inline; filename="{found.source_video_id}.{fmt}"'
        return response

    @extend_schema(request=CorrectionsSerializer, responses=TranscriptSerializer)
    @transcript.mapping.patch
    def correct_transcript(self, request: Request, pk: str | None = None) -> Response:
        """Correct misheard words before they are burned in: {"words": [{"index", "text"}]}."""
        found = self._transcript()
        form = CorrectionsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        found = transcripts.transcript_correct(transcript=found, words=form.validated_data["words"])
        return Response(TranscriptSerializer(found).data)

    def _transcript(self) -> Transcript:
        found = selectors.transcript_of(video=self.get_object())
        if found is None:
            raise NotFound("This video has no transcript yet: POST transcribe/ (uploads with sound get one).")
        return found
