"""/api/v1/brand-kit/: the profile's one brand kit (GET, PATCH), and its logo and font as
multipart uploads (POST `file`) that DELETE removes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from library.api.uploads import StreamingMultiPartParser
from library.models import BrandKit, LogoPosition
from library.models.brand import CARD_TEMPLATES
from library.services import brand as brand_services
from profiles.parsers import JSONParser

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

COLOR = r"^#[0-9A-Fa-f]{6}$"
COLOR_ERROR: dict[str, str | _StrPromise] = {
    "invalid": "A colour written #RRGGBB (for example #FFD400), or empty for the default."
}


def _color() -> serializers.RegexField:
    return serializers.RegexField(COLOR, required=False, allow_blank=True, max_length=7, error_messages=COLOR_ERROR)


class BrandKitSerializer(serializers.ModelSerializer):
    has_logo = serializers.SerializerMethodField()
    has_font = serializers.SerializerMethodField()
    # Blank (no card) is a valid answer: plain text, not the choices' enum.
    intro_template = serializers.CharField(read_only=True, help_text="a template name, or blank for no card")
    outro_template = serializers.CharField(read_only=True, help_text="a template name, or blank for no card")

    class Meta:
        model = BrandKit
        fields = [
            "id", "has_logo", "logo_width", "logo_height", "logo_position", "logo_scale", "logo_opacity",
            "highlight_color", "box_color", "text_color", "card_color", "has_font", "font_family", "font_name",
            "intro_template", "intro_fields", "intro_seconds", "outro_template", "outro_fields", "outro_seconds",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_logo(self, obj: BrandKit) -> bool:
        return bool(obj.logo)

    def get_has_font(self, obj: BrandKit) -> bool:
        return bool(obj.font)


class BrandKitUpdateSerializer(serializers.Serializer):
    logo_position = serializers.ChoiceField(choices=LogoPosition.choices, required=False)
    logo_scale = serializers.FloatField(min_value=0.05, max_value=0.4, required=False,
                                        help_text="the logo's width as a share of the frame's width")  # fmt: skip
    logo_opacity = serializers.FloatField(min_value=0.1, max_value=1.0, required=False)
    highlight_color = _color()
    box_color = _color()
    text_color = _color()
    card_color = _color()
    intro_template = serializers.ChoiceField(choices=CARD_TEMPLATES, required=False, allow_blank=True)
    intro_fields = serializers.DictField(required=False, help_text="the template's fields (tools/templates/)")
    intro_seconds = serializers.FloatField(min_value=0.5, max_value=6.0, required=False)
    outro_template = serializers.ChoiceField(choices=CARD_TEMPLATES, required=False, allow_blank=True)
    outro_fields = serializers.DictField(required=False)
    outro_seconds = serializers.FloatField(min_value=0.5, max_value=6.0, required=False)


class BrandFileSerializer(serializers.Serializer):
    file = serializers.FileField()


class BrandKitView(APIView):
    """The profile's brand kit, applied to every final render: a logo watermark (position,
    scale, opacity), colours (caption highlight, caption/hook box, hook and card text, card
    background), a font for captions, hook and cards, and optional intro/outro title cards
    (templates of tools/templates/) added before and after each clip."""

    parser_classes = [JSONParser]

    @extend_schema(responses=BrandKitSerializer)
    def get(self, request: Request) -> Response:
        return Response(BrandKitSerializer(brand_services.brand_kit_get()).data)

    @extend_schema(request=BrandKitUpdateSerializer, responses=BrandKitSerializer)
    def patch(self, request: Request) -> Response:
        form = BrandKitUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        kit = brand_services.brand_kit_update(kit=brand_services.brand_kit_get(), data=dict(form.validated_data))
        return Response(BrandKitSerializer(kit).data)


class BrandLogoView(APIView):
    """POST a PNG or WebP logo (multipart `file`; SVG is refused); DELETE removes it."""

    parser_classes = [StreamingMultiPartParser]

    @extend_schema(request={"multipart/form-data": BrandFileSerializer}, responses=BrandKitSerializer)
    def post(self, request: Request) -> Response:
        form = BrandFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        kit = brand_services.brand_logo_set(kit=brand_services.brand_kit_get(), upload=form.validated_data["file"])
        return Response(BrandKitSerializer(kit).data)

    @extend_schema(request=None, responses=BrandKitSerializer)
    def delete(self, request: Request) -> Response:
        return Response(BrandKitSerializer(brand_services.brand_logo_delete(kit=brand_services.brand_kit_get())).data)


class BrandFontView(APIView):
    """POST a TrueType or OpenType font (multipart `file`), used by captions, hook and title
    cards; DELETE goes back to the automatic Noto fonts."""

    parser_classes = [StreamingMultiPartParser]

    @extend_schema(request={"multipart/form-data": BrandFileSerializer}, responses=BrandKitSerializer)
    def post(self, request: Request) -> Response:
        form = BrandFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        kit = brand_services.brand_font_set(kit=brand_services.brand_kit_get(), upload=form.validated_data["file"])
        return Response(BrandKitSerializer(kit).data)

    @extend_schema(request=None, responses=BrandKitSerializer)
    def delete(self, request: Request) -> Response:
        return Response(BrandKitSerializer(brand_services.brand_font_delete(kit=brand_services.brand_kit_get())).data)
