"""POST /api/v1/library/one-click/ (under the library's URL, where clients have always found it)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from editai.oneclick.services import one_click_start
from library.api.music import MusicChoiceSerializer
from library.media.caption_style import PRESETS as CAPTION_TEMPLATES
from library.models import SourceVideo
from library.serializers import CaptionStyleField, HookField, JobSerializer
from library.services.reframe import LAYOUTS
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
    rotate = serializers.ListField(
        child=serializers.ChoiceField(choices=CAPTION_TEMPLATES), min_length=1, max_length=10, required=False,
        help_text="caption templates to rotate through: variant i gets entry i mod n (over caption_style)",
    )  # fmt: skip
    layout = serializers.ChoiceField(choices=LAYOUTS, default="auto",
                                     help_text="auto: track a subject found with enough confidence, else pad")  # fmt: skip
    provider = serializers.ChoiceField(choices=["local", "gemini"], required=False)
    broll = serializers.BooleanField(default=False)
    captions = serializers.ChoiceField(
        choices=["voiceover", "speech", "none"], required=False,
        help_text="default: voiceover with a script_text, else the source's speech when it has a reliable "
                  "transcript, else none; speech with a script_text is a 400",
    )  # fmt: skip
    tighten = serializers.BooleanField(default=False, help_text="cut long pauses and filler words out of the pieces")
    music = MusicChoiceSerializer(required=False, help_text="a bed from /api/v1/library/music/ under every variant")
    hook_text = serializers.CharField(max_length=120, required=False, allow_blank=True, default="",
                                      help_text="opening hook shown large over each variant's first 2.5 s")  # fmt: skip
    hook = HookField(required=False, source="hook_auto")
    publish = PublishSerializer(required=False)
    full_render = serializers.ChoiceField(
        choices=["all", "selected"], default="all",
        help_text="all: a 540x960 preview of every variant first (preview_url), then every final render; "
                  "selected: only the previews, then render the ones you pick with clips/{id}/render/",
    )  # fmt: skip


class OneClickView(APIView):
    """Upload done? One request makes the project, cuts `variant_count` variants, voices and
    captions each, renders them to the preset and (with `publish`) publishes them: 202 with
    the job, whose progress covers every step and whose result lists the clips."""

    @extend_schema(request=OneClickSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        form = OneClickSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if "music" in data:  # JSON for the job's params: the track by id
            data["music"] = {"track": str(data["music"]["track"].pk), "volume_db": data["music"]["volume_db"]}
        if "publish" in data:  # JSON for the job's params (the schedule as ISO 8601 text)
            data["publish"] = PublishSerializer(data["publish"]).data
        job = one_click_start(**data)
        return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)
