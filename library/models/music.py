from __future__ import annotations

import uuid

from django.db import models

from profiles.tenancy import ProfileScopedModel


class MusicTrack(ProfileScopedModel):
    """A music bed of the profile's library, laid under a clip's voice (looped or trimmed to the
    clip, faded, ducked while the voice speaks). Files live under <profile_id>/music/ with
    generated names."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    file = models.FileField(max_length=500)
    size_bytes = models.BigIntegerField()
    duration = models.FloatField()
    codec = models.CharField(max_length=50, blank=True)
    sample_rate = models.PositiveIntegerField(null=True, blank=True)
    channels = models.PositiveSmallIntegerField(null=True, blank=True)
    container = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["profile", "-created_at"])]

    def __str__(self) -> str:
        return self.name
