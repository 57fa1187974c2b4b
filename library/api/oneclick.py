from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from library.models import SourceVideo
from library.providers.analysis import AnalysisError
from library.serializers import CaptionStyleField, JobSerializer
from library.services import projects as project_services
from profiles.api import ScopedRelatedField


class PublishSerializer(serializers.Serializer):
    integration_ids = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=20)
    caption = serializers.CharField(max_length=5000, allow_blank=True, default="")
    type = serializers.ChoiceField(choices=["now", "schedule", "draft"], default="now")
    scheduled_at = serializers.DateTimeField(required=False, help_text="required for type schedule")
    settings = serializers.DictField(required=False)

    def validate(self, attrs: dict) -> dict:
        # Checked now, so a bad schedule is a 400 before the renders rather than a failed job after them.
        if attrs.get("type") == "schedule":
            if attrs.get("scheduled_at") is None:
                raise serializers.ValidationError({"scheduled_at": "Required for type 'schedule'."})
            if attrs["scheduled_at"] <= timezone.now():
                raise serializers.ValidationError({"scheduled_at": "Must be in the future."})
        return attrs


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
        if "publish" in data:
            from library.jobs.oneclick import PUBLISHERS

            if not PUBLISHERS:
                raise ValidationError({"publish": "Publishing is not available on this install."})
            data["publish"] = PublishSerializer(data["publish"]).data
        try:
            job = project_services.one_click_start(**data)
        except (ValueError, AnalysisError) as exc:  # a provider this install cannot use (gemini, no key)
            raise ValidationError({"provider": str(exc)}) from None
        return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)
