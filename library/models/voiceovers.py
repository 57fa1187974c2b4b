from __future__ import annotations

import uuid

from django.db import models

from profiles.tenancy import ProfileScopedModel


class Voiceover(ProfileScopedModel):
    """A voiceover the profile already paid for: the same text in the same voice, model and
    voice settings is spoken once and replayed from here (library.services.voiceovers). The
    file lives under <profile_id>/voiceovers/<key>.<ext>; rows unused for
    VOICEOVER_CACHE_DAYS go with prune_media, and all of them with their profile."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # sha256 of the canonical JSON of provider, model, voice_id, voice_settings and text.
    key = models.CharField(max_length=64)
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100, blank=True)
    voice_id = models.CharField(max_length=150)  # an espeak-ng voice with a variant may exceed 100
    file = models.FileField(max_length=500)
    words = models.JSONField(default=list, blank=True)  # [{word, start, end}], seconds in the audio
    duration = models.FloatField()
    characters = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_used_at", "id"]
        constraints = [models.UniqueConstraint(fields=["profile", "key"], name="voiceover_unique_key_per_profile")]

    def __str__(self) -> str:
        return f"{self.provider} {self.voice_id} ({self.characters} characters)"
