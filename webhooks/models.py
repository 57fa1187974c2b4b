"""Signed webhooks: a profile's endpoints, the outbox of events and the deliveries.

The app sits just above profiles so that the library and publishing can write events into the
outbox in the same transaction as the change they describe; it imports nothing of theirs (the
emitting code hands it the object already serialized as its own endpoint shows it)."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models

from profiles.crypto import EncryptedTextField
from profiles.tenancy import ProfileScopedModel


class EventType(models.TextChoices):
    JOB_SUCCEEDED = "job.succeeded"
    JOB_FAILED = "job.failed"
    JOB_CANCELLED = "job.cancelled"
    CLIP_RENDERED = "clip.rendered"
    PUBLICATION_PUBLISHED = "publication.published"
    PUBLICATION_FAILED = "publication.failed"


PING = "webhook.ping"  # sent by POST /webhooks/{id}/ping/ only; not something to subscribe to


class Webhook(ProfileScopedModel):
    """An endpoint of the profile's that receives the events it subscribed to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=40, choices=EventType.choices), size=len(EventType))
    is_active = models.BooleanField(default=True)
    # "whsec_" + base64 of random bytes (Standard Webhooks); encrypted at rest, shown once.
    secret = EncryptedTextField()
    failure_streak = models.PositiveIntegerField(default=0, help_text="deliveries failed in a row")
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(ProfileScopedModel):
    """The outbox: one event, written in the transaction of the change it reports. `body` is the
    JSON every delivery of it sends, byte for byte: {"type", "timestamp", "data"} (text, not
    jsonb, which would reorder the keys)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def message_id(self) -> str:
        """Standard Webhooks' `webhook-id`: the same on every attempt and replay, so a receiver
        can drop a duplicate."""
        return f"msg_{self.id.hex}"

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WebhookDelivery(ProfileScopedModel):
    """One event to one endpoint: up to WEBHOOK_MAX_ATTEMPTS POSTs, with backoff, logged."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A worker holds the delivery until then (the claim); a dead worker's claim expires.
    locked_until = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # Every attempt: [{attempt, at, response_status, duration_ms, error}].
    log = models.JSONField(default=list, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)  # kept WEBHOOK_RETENTION_DAYS

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.webhook_id}"
