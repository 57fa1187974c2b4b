from __future__ import annotations

import uuid

from django.db import models

from profiles.tenancy import ProfileScopedModel


class Transcript(ProfileScopedModel):
    """What is said in one source video: one per video (transcribing again replaces it).

    words: [{"text", "start", "end", "probability"}] in source seconds, in spoken order;
    sentences: [{"text", "start", "end"}]. A transcript whose mean word probability is below the
    threshold is stored but marked unreliable: it is never used for captions by default."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source_video = models.OneToOneField("library.SourceVideo", on_delete=models.CASCADE, related_name="transcript")
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)
    words = models.JSONField(default=list, blank=True)
    sentences = models.JSONField(default=list, blank=True)
    mean_probability = models.FloatField(null=True, blank=True)
    reliable = models.BooleanField(default=False)
    duration = models.FloatField(default=0, help_text="seconds of audio transcribed")
    corrected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"transcript of {self.source_video_id}"
