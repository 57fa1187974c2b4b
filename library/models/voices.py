from __future__ import annotations

import uuid

from django.db import models

from profiles.tenancy import ProfileScopedModel


class ClonedVoice(ProfileScopedModel):
    """A voice cloned at a TTS provider, owned by the profile that made it (or that support staff
    assigned it to). Every profile shares the install's provider account, whose voice list holds
    every clone: a profile may list and use its own clones, and the provider's stock voices,
    only. The voice is deleted at the provider when its profile is."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.CharField(max_length=20, choices=[("elevenlabs", "ElevenLabs")], default="elevenlabs")
    voice_id = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "created_at"]
        constraints = [
            # Not per profile: one voice at the provider belongs to one profile at most.
            models.UniqueConstraint(
                fields=["provider", "voice_id"],
                name="cloned_voice_unique_at_provider",
                violation_error_message="This voice already belongs to a profile.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.voice_id})"
