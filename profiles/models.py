from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from profiles.crypto import EncryptedTextField


class TTSProvider(models.TextChoices):
    AUTO = "", "Automatic (ElevenLabs with a key, else espeak-ng)"
    ESPEAK = "espeak", "espeak-ng (local, free)"
    ELEVENLABS = "elevenlabs", "ElevenLabs"


class Profile(models.Model):
    """A store: the tenant that owns every video, clip, job, cost and publication."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=2000)
    is_default = models.BooleanField(default=False)
    tts_provider = models.CharField(max_length=20, choices=TTSProvider.choices, blank=True)
    tts_voice_id = models.CharField(max_length=100, blank=True)
    tts_settings = models.JSONField(default=dict, blank=True)
    caption_style = models.JSONField(default=dict, blank=True)
    postiz_api_url = models.URLField(blank=True, max_length=500)
    postiz_api_key = EncryptedTextField(blank=True)
    # The last problem talking to Postiz with this key ("Postiz key rejected"...), shown to the user.
    postiz_error = models.CharField(max_length=300, blank=True)
    postiz_checked_at = models.DateTimeField(null=True, blank=True)
    monthly_budget_usd = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "user",
                name="profile_name_unique_per_user",
                violation_error_message="You already have a profile with this name.",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="one_default_profile_per_user",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def postiz_configured(self) -> bool:
        return bool(self.postiz_api_url and self.postiz_api_key)
