from __future__ import annotations

from rest_framework import serializers

from webhooks.models import EventType, Webhook, WebhookDelivery


class WebhookSerializer(serializers.ModelSerializer):
    """An endpoint as the API shows it: never its secret (shown once, on create and rotate)."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))

    class Meta:
        model = Webhook
        fields = [
            "id", "url", "description", "events", "is_active", "failure_streak", "disabled_reason", "disabled_at",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="shown this once: keep it to verify signatures")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="http(s), public (EDITAI_OUTBOUND_ALLOWED_HOSTS aside)")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1, max_length=len(EventType)
    )
    # No default: a PUT without it keeps the endpoint's state (a turned-off one stays off); create defaults to on.
    is_active = serializers.BooleanField(required=False)
    description = serializers.CharField(max_length=200, allow_blank=True, default="")


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "webhook", "event_id", "event_type", "status", "attempts", "response_status", "response_body",
            "duration_ms", "error", "next_attempt_at", "log", "replay_of", "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields
