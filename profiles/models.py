from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from profiles.crypto import EncryptedTextField
from profiles.tenancy import ProfileScopedManager, ProfileScopedModel


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


# -- API keys ----------------------------------------------------------------------------------
# A machine's access to ONE profile (a store's own backend). djangorestframework-api-key gives the
# fields (prefix, hashed_key, name, revoked, expiry_date), key generation and its SHA-512 hashing
# with a constant-time check; the key itself is shown once and never stored. Its primary key
# ("prefix.hash") is replaced by a UUID, so no URL or answer carries the hash.


class APIKeyScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


def default_api_key_scopes() -> list[str]:
    return [APIKeyScope.READ, APIKeyScope.WRITE]


class _KeyAssignment(BaseAPIKeyManager):
    def assign_key(self, obj: AbstractAPIKey) -> str:
        """The library's, minus setting the primary key to "prefix.hash"."""
        key, prefix, hashed_key = self.key_generator.generate()
        obj.prefix, obj.hashed_key = prefix, hashed_key
        return key


class ProfileAPIKeyManager(_KeyAssignment, ProfileScopedManager):
    """The default manager: the current profile's keys only (fail closed, like every scoped model)."""


class UnscopedAPIKeyManager(_KeyAssignment):
    """Authentication looks a key up before any profile is known: by its unique prefix, unscoped."""


class ProfileAPIKey(ProfileScopedModel, AbstractAPIKey):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # type: ignore[assignment]
    scopes = ArrayField(models.CharField(max_length=10, choices=APIKeyScope.choices), default=default_api_key_scopes)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    # Both managers know keys (assign_key, get_usable_keys); the stubs' types of the bases differ.
    objects = ProfileAPIKeyManager()  # type: ignore[misc, assignment]
    all_objects = UnscopedAPIKeyManager()  # type: ignore[misc]

    class Meta:
        base_manager_name = "all_objects"
        default_manager_name = "objects"
        ordering = ["-created"]
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    @property
    def can_write(self) -> bool:
        return APIKeyScope.WRITE in self.scopes
