"""The stand-alone video tools: /api/v1/tools/. Heavy work answers 202 with the Job (poll
/api/v1/jobs/{id}/, download its output from /api/v1/jobs/{id}/download/)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from library.media import titles
from library.models import Job, SourceVideo
from library.serializers import JobSerializer
from library.services import tools
from profiles.api import ScopedRelatedField

ACCEPTED = {202: JobSerializer, 400: OpenApiResponse(description="bad input"), 404: OpenApiResponse(description="no such video")}  # fmt: skip


def _accepted(request: Request, job: Job) -> Response:
    return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


def _valid(serializer_class: type[serializers.Serializer], data: object) -> dict[str, Any]:
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return form.validated_data


class ToolVideoInfoSerializer(serializers.Serializer):
    source_video = ScopedRelatedField(SourceVideo)


class VideoInfoView(APIView):
    """Probe one of the profile's source videos now: streams, duration, frame rate, codecs,
    bit rate, rotation, audio. `?source_video=<id>` or a JSON body."""

    @extend_schema(parameters=[OpenApiParameter("source_video", OpenApiTypes.UUID, required=True)],
                   responses={200: OpenApiTypes.OBJECT})  # fmt: skip
    def get(self, request: Request) -> Response:
        data = _valid(ToolVideoInfoSerializer, request.query_params)
        return Response(tools.video_info(video=data["source_video"]))

    @extend_schema(request=ToolVideoInfoSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = _valid(ToolVideoInfoSerializer, request.data)
        return Response(tools.video_info(video=data["source_video"]))


class ToolTrimSerializer(serializers.Serializer):
    source_video = ScopedRelatedField(SourceVideo)
    start = serializers.FloatField()
    end = serializers.FloatField()
    mode = serializers.ChoiceField(choices=["fast", "precise", "preview"], default="precise")


class TrimView(APIView):
    """Cut [start, end] out of a video. `fast`: stream copy from the keyframe at or before
    start (the job's result says where it really starts); `precise`: re-encoded to the exact
    frames; `preview`: a quick 240p re-encode of at most 15 s."""

    @extend_schema(request=ToolTrimSerializer, responses=ACCEPTED)
    def post(self, request: Request) -> Response:
        data = _valid(ToolTrimSerializer, request.data)
        job = tools.tool_trim_start(video=data["source_video"], start=data["start"], end=data["end"], mode=data["mode"])
        return _accepted(request, job)


class ToolConcatItemSerializer(serializers.Serializer):
    source_video = ScopedRelatedField(SourceVideo)
    start = serializers.FloatField(required=False, allow_null=True)
    end = serializers.FloatField(required=False, allow_null=True)


class ToolConcatenateSerializer(serializers.Serializer):
    items = serializers.ListField(child=ToolConcatItemSerializer(), min_length=2, max_length=20)


class ConcatenateView(APIView):
    """Join 2 to 20 pieces end to end. Stream copy when every stream matches (and no piece
    starts between keyframes); otherwise one re-encode at the first piece's size and frame
    rate, letterboxed, with silence for pieces without audio. The result says which."""

    @extend_schema(request=ToolConcatenateSerializer, responses=ACCEPTED)
    def post(self, request: Request) -> Response:
        items = _valid(ToolConcatenateSerializer, request.data)["items"]
        return _accepted(request, tools.tool_concatenate_start(items=items))


class ToolDetectVoiceSerializer(serializers.Serializer):
    source_video = ScopedRelatedField(SourceVideo)


class DetectVoiceView(APIView):
    """Find where people speak. The job's result lists the speech intervals [{start, end}]."""

    @extend_schema(request=ToolDetectVoiceSerializer, responses=ACCEPTED)
    def post(self, request: Request) -> Response:
        data = _valid(ToolDetectVoiceSerializer, request.data)
        return _accepted(request, tools.tool_detect_voice_start(video=data["source_video"]))


class ToolIntervalSerializer(serializers.Serializer):
    start = serializers.FloatField()
    end = serializers.FloatField()


class ToolMuteVoiceSerializer(serializers.Serializer):
    source_video = ScopedRelatedField(SourceVideo)
    mode = serializers.ChoiceField(choices=["mute", "duck"], default="mute")
    duck_db = serializers.FloatField(min_value=-60, max_value=-1, default=-20)
    intervals = serializers.ListField(child=ToolIntervalSerializer(), required=False, allow_null=True)


class MuteVoiceView(APIView):
    """Silence (`mute`) or turn down (`duck`, by `duck_db`) the speech in a video, keeping the
    rest of its soundtrack; the picture is copied untouched. Without `intervals` the speech is
    detected first."""

    @extend_schema(request=ToolMuteVoiceSerializer, responses=ACCEPTED)
    def post(self, request: Request) -> Response:
        data = _valid(ToolMuteVoiceSerializer, request.data)
        job = tools.tool_mute_voice_start(
            video=data["source_video"], mode=data["mode"], duck_db=data["duck_db"], intervals=data.get("intervals")
        )
        return _accepted(request, job)


class ToolAddVoiceoverSerializer(serializers.Serializer):
    source_videos = ScopedRelatedField(SourceVideo, many=True, allow_empty=False)
    text = serializers.CharField(max_length=5000)
    voice = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    duck_db = serializers.FloatField(min_value=-60, max_value=0, default=-15)

    def validate_source_videos(self, value: list[SourceVideo]) -> list[SourceVideo]:
        if len(value) > 10:
            raise serializers.ValidationError("At most 10 videos.")
        return value


class AddVoiceoverView(APIView):
    """One text-to-speech voiceover (the profile's TTS provider; `voice` overrides its voice)
    laid over 1 to 10 videos, their own audio ducked by `duck_db` under it. The job's output is
    the video itself for one video, a zip of all of them for several; its result lists each."""

    @extend_schema(request=ToolAddVoiceoverSerializer, responses=ACCEPTED)
    def post(self, request: Request) -> Response:
        data = _valid(ToolAddVoiceoverSerializer, request.data)
        job = tools.tool_add_voiceover_start(
            videos=data["source_videos"], text=data["text"], voice_id=data["voice"], duck_db=data["duck_db"]
        )
        return _accepted(request, job)


class TemplateListView(APIView):
    """The title-card templates and their fields (name, required, max length; list fields say
    how many items they take)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        results = [template.as_dict() for template in titles.TEMPLATES.values()]
        return Response({"count": len(results), "next": None, "previous": None, "results": results})


class ToolTemplateRenderSerializer(serializers.Serializer):
    source_video = ScopedRelatedField(SourceVideo)
    fields = serializers.DictField()  # type: ignore[assignment]  # the API's name (DRF's metaclass moves it off the class)
    aspect = serializers.ChoiceField(choices=["9:16", "16:9"], required=False, allow_blank=True, default="")
    start = serializers.FloatField(required=False, allow_null=True)
    duration = serializers.FloatField(required=False, allow_null=True)


class TemplateRenderView(APIView):
    """Render a title card over a video: shown from `start` (default 0) for `duration` seconds
    (default 4), over the whole video, which comes out re-encoded (reframed to `aspect` when
    given, blurred pad). Missing or unknown fields answer 400 naming them."""

    @extend_schema(request=ToolTemplateRenderSerializer, responses=ACCEPTED)
    def post(self, request: Request, name: str) -> Response:
        template = tools.template_get(name)
        data = _valid(ToolTemplateRenderSerializer, request.data)
        job = tools.tool_title_card_start(
            template=template, video=data["source_video"], fields=data["fields"], aspect=data["aspect"],
            start=data.get("start"), duration=data.get("duration"),
        )  # fmt: skip
        return _accepted(request, job)
