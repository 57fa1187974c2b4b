"""Voices, speech synthesis and voice cloning: /api/v1/tts/."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import UnsupportedMediaType, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from library.api.uploads import StreamingMultiPartParser
from library.jobs.workspace import workspace
from library.providers.tts import PROVIDERS, TTSError
from library.serializers import JobSerializer
from library.services import rendering, voices
from library.services.voices import ProviderUnavailable
from profiles.tenancy import scoped_profile


class VoiceSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    provider = serializers.CharField()
    language = serializers.CharField(allow_null=True)
    labels = serializers.DictField()


# Not "GenerateSerializer": projects have one, and the schema needs one component name each.
class SpeechSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    voice_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    provider = serializers.ChoiceField(choices=PROVIDERS, required=False, default="")


class CloneSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    files = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=25)


class VoicesView(APIView):
    """The voices this profile may use: the provider's stock voices and the profile's own clones
    (never another profile's). `?provider=` defaults to the profile's."""

    @extend_schema(parameters=[OpenApiParameter("provider", OpenApiTypes.STR, enum=list(PROVIDERS))],
                   responses=VoiceSerializer(many=True))  # fmt: skip
    def get(self, request: Request) -> Response:
        provider = request.query_params.get("provider") or ""
        return Response(VoiceSerializer(voices.voice_list(provider=provider), many=True).data)


class GenerateView(APIView):
    """Text to speech as a job: its output is the audio, its result the word timings."""

    @extend_schema(request=SpeechSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        form = SpeechSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = rendering.tts_generate(**form.validated_data)
        return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class CloneVoiceView(APIView):
    """ElevenLabs instant voice cloning from audio samples (multipart `files`, `name`). The new
    voice is this profile's own (no other profile can list or use it) and becomes its voice."""

    parser_classes = [StreamingMultiPartParser]

    @extend_schema(request={"multipart/form-data": CloneSerializer}, responses={201: VoiceSerializer})
    def post(self, request: Request) -> Response:
        if not settings.ELEVENLABS_API_KEY:
            raise ValidationError({"detail": "Voice cloning needs ElevenLabs: set ELEVENLABS_API_KEY."})
        try:
            data = request.data
        except UnsupportedMediaType:  # a JSON body, say: it cannot carry audio files
            raise UnsupportedMediaType(
                request.content_type,
                detail="Send the samples as multipart/form-data: a `name` and one or more `files`.",
            ) from None
        fields = data.dict() if isinstance(data, QueryDict) else {}  # no body at all: {}
        form = CloneSerializer(data={**fields, "files": request.FILES.getlist("files")})
        form.is_valid(raise_exception=True)
        profile = scoped_profile()
        with workspace(profile.pk, uuid.uuid4()) as scratch:
            samples = []
            for n, upload in enumerate(form.validated_data["files"]):
                path = scratch / f"sample-{n}{Path(upload.name or '').suffix[:8]}"
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                samples.append(path)
            try:
                voice = voices.voice_clone(
                    name=form.validated_data["name"], samples=samples, description=form.validated_data["description"]
                )
            except TTSError as exc:
                if exc.retryable or (exc.status or 400) >= 500:
                    raise ProviderUnavailable(exc.message) from None
                raise ValidationError({"files": exc.message}) from None
        return Response(VoiceSerializer(voice).data, status=status.HTTP_201_CREATED)
