"""POST /api/v1/library/one-click/ (under the library's URL, where clients have always found it)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from editai.oneclick.services import one_click_start
from library.models import SourceVideo
from library.serializers import CaptionStyleField, JobSerializer
from profiles.api import ScopedRelatedField
from publishing.serializers import PublishSerializer


class OneClickSerializer(serializers.Serializer):
    source_video = ScopedRelatedField(SourceVideo)
    script_text = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    voice_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                     help_text="one of GET /api/v1/tts/voices/; blank: the profile's voice")  # fmt: skip
    context_text = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    variant_count = serializers.IntegerField(min_value=1, max_value=10, default=3)
    target_duration = serializers.FloatField(min_value=2, max_value=180, required=False)
    preset = serializers.CharField(max_length=50, default="instagram_reels")
    caption_style = CaptionStyleField(required=False)
    layout = serializers.ChoiceField(choices=["pad", "crop"], default="pad")
    provider = serializers.ChoiceField(choices=["local", "gemini"], required=False)
    broll = serializers.BooleanField(default=False)
    publish = PublishSerializer(required=False)


class OneClickView(APIView):
    """Upload done? One request makes the project, cuts `variant_count` variants, voices and
    captions each, renders them to the preset and (with `publish`) publishes them: 202 with
    the job, whose progress covers every step and whose result lists the clips."""

    @extend_schema(request=OneClickSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        form = OneClickSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if "publish" in data:  # JSON for the job's params (the schedule as ISO 8601 text)
            data["publish"] = PublishSerializer(data["publish"]).data
        job = one_click_start(**data)
        return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)
