"""Publishing's shapes: a publication as the API shows it (its endpoint and its webhook events),
and the input shapes shared with the compositions that publish (one-click)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from publishing.models import Publication


class PublicationSerializer(serializers.ModelSerializer):
    # "" until published: a plain string in the schema (a URLField documents format "uri").
    release_url = serializers.CharField(read_only=True)

    class Meta:
        model = Publication
        fields = [
            "id", "clip", "job", "integration_id", "integration_identifier", "integration_name", "caption", "type",
            "scheduled_at", "settings", "status", "group", "postiz_post_id", "release_url", "error", "attempts",
            "created_at", "submitted_at", "published_at",
        ]  # fmt: skip
        read_only_fields = fields


# Where and how to publish clips that another step makes (one-click's `publish` block). No
# docstring: it would become the schema's description of PublishRequest.
class PublishSerializer(serializers.Serializer):
    integration_ids = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=20)
    caption = serializers.CharField(max_length=5000, allow_blank=True, default="")
    type = serializers.ChoiceField(choices=["now", "schedule", "draft"], default="now")
    scheduled_at = serializers.DateTimeField(required=False, help_text="required for type schedule")
    settings = serializers.DictField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Checked now, so a bad schedule is a 400 before the renders rather than a failed job after them.
        if attrs.get("type") == "schedule":
            if attrs.get("scheduled_at") is None:
                raise serializers.ValidationError({"scheduled_at": "Required for type 'schedule'."})
            if attrs["scheduled_at"] <= timezone.now():
                raise serializers.ValidationError({"scheduled_at": "Must be in the future."})
        return attrs
