from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from profiles.models import Profile

User = get_user_model()


# Rules for JSON fields that a higher layer owns (profiles cannot import the library): the
# library registers the caption style's validator at startup (library.apps). Each takes the
# value and returns it cleaned, or raises ValueError (with `.detail` per key, for the 400).
JSON_FIELD_VALIDATORS: dict[str, Callable[[Any], Any]] = {}


def json_field_clean(field: str, value: object) -> Any:
    validator = JSON_FIELD_VALIDATORS.get(field)
    return validator(value) if validator is not None else value


class ProfileSerializer(serializers.ModelSerializer):
    postiz_api_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        trim_whitespace=True,
        help_text="Write-only. Responses say postiz_configured instead.",
    )
    postiz_configured = serializers.BooleanField(read_only=True)

    class Meta:
        model = Profile
        fields = [
            "id",
            "name",
            "description",
            "is_default",
            "tts_provider",
            "tts_voice_id",
            "tts_settings",
            "caption_style",
            "postiz_api_url",
            "postiz_api_key",
            "postiz_configured",
            "postiz_error",
            "postiz_checked_at",
            "monthly_budget_usd",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_default", "postiz_error", "postiz_checked_at", "created_at", "updated_at"]
        # Uniqueness is checked by the service's full_clean(), once, with a clear message.
        validators: list[Any] = []

    def validate_tts_settings(self, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value

    def validate_caption_style(self, value: object) -> Any:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        try:
            return json_field_clean("caption_style", value)
        except ValueError as exc:
            raise serializers.ValidationError(getattr(exc, "detail", str(exc))) from None


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "date_joined"]


class MeSerializer(UserSerializer):
    profiles = ProfileSerializer(many=True, read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "profiles"]


class RegisterInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class RegisterOutputSerializer(UserSerializer):
    default_profile = ProfileSerializer(read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "default_profile"]


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()
