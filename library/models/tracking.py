from __future__ import annotations

import uuid

from django.db import models

from profiles.tenancy import ProfileScopedModel


class SubjectTrack(ProfileScopedModel):
    """The crop path of one time range of a source video (library.media.tracking.CropPath as
    JSON), computed once and reused by every variant and re-render that shows that range.
    `version` is the tracker's: a better tracker computes afresh instead of reusing old paths."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source_video = models.ForeignKey("library.SourceVideo", on_delete=models.CASCADE, related_name="tracks")
    start = models.FloatField()
    end = models.FloatField()
    version = models.PositiveSmallIntegerField(default=1)
    path = models.JSONField(default=dict)
    subject = models.CharField(max_length=10, blank=True)
    confidence = models.FloatField(default=0)
    seconds = models.FloatField(default=0, help_text="how long the tracking pass took")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source_video", "start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "source_video", "start", "end", "version"], name="subject_track_cache_key"
            )
        ]

    def __str__(self) -> str:
        return f"track of {self.source_video_id} {self.start:.2f}-{self.end:.2f}"
