from __future__ import annotations

import uuid

from django.db import models

from profiles.tenancy import ProfileScopedModel


class SourceVideo(ProfileScopedModel):
    """An uploaded product video. Files live under <profile_id>/videos/ with generated names."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, max_length=5000)
    original_name = models.CharField(max_length=255, blank=True)
    file = models.FileField(max_length=500)
    thumbnail = models.FileField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField()
    duration = models.FloatField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    fps = models.FloatField(null=True, blank=True)
    video_codec = models.CharField(max_length=50, blank=True)
    audio_codec = models.CharField(max_length=50, blank=True)
    has_audio = models.BooleanField(default=False)
    bit_rate = models.BigIntegerField(null=True, blank=True)
    rotation = models.SmallIntegerField(default=0)
    container = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["profile", "-created_at"])]

    def __str__(self) -> str:
        return self.name
