from __future__ import annotations

import uuid

from django.db import models

from profiles.tenancy import ProfileScopedModel


class PublicationType(models.TextChoices):
    NOW = "now"
    SCHEDULE = "schedule"
    DRAFT = "draft"


class PublicationStatus(models.TextChoices):
    QUEUED = "queued"
    UPLOADING = "uploading"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"


OPEN = (PublicationStatus.QUEUED, PublicationStatus.UPLOADING)


class Publication(ProfileScopedModel):
    """One clip on one social account (a Postiz integration). The publications of one clip
    published together share a `group`: one POST /posts creates them all."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clip = models.ForeignKey("library.Clip", null=True, on_delete=models.SET_NULL, related_name="publications")
    job = models.ForeignKey("library.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    integration_id = models.CharField(max_length=100)
    integration_identifier = models.CharField(max_length=50, help_text="the provider: instagram, tiktok, ...")
    integration_name = models.CharField(max_length=200, blank=True)
    caption = models.TextField(blank=True, max_length=5000)
    type = models.CharField(max_length=10, choices=PublicationType.choices, default=PublicationType.NOW)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    settings = models.JSONField(default=dict, help_text="provider settings, frozen when queued")
    status = models.CharField(max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.QUEUED)
    group = models.CharField(max_length=64, db_index=True)
    postiz_media_id = models.CharField(max_length=200, blank=True)
    postiz_media_path = models.CharField(max_length=1000, blank=True)
    postiz_post_id = models.CharField(max_length=200, blank=True, db_index=True)
    release_url = models.URLField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Statistics from Postiz (PublicationStat): when last asked, and why there are none, if so.
    analytics_checked_at = models.DateTimeField(null=True, blank=True)
    analytics_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["profile", "status"])]

    def __str__(self) -> str:
        return f"{self.integration_identifier} {self.status}"


class PostizCall(ProfileScopedModel):
    """Each POST /posts a profile made: Postiz throttles them per organization and hour, so
    jobs pace themselves from this log (shared by every worker through the database)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"POST /posts at {self.created_at:%Y-%m-%d %H:%M:%S}"


class PublicationStat(ProfileScopedModel):
    """A published post's statistics on one day, as Postiz reports them: the four counts every
    dashboard shows, and every series of the provider's as it came (`metrics`, label -> count)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="stats")
    date = models.DateField()
    views = models.PositiveBigIntegerField(default=0)
    likes = models.PositiveBigIntegerField(default=0)
    comments = models.PositiveBigIntegerField(default=0)
    shares = models.PositiveBigIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["publication", "date"]
        constraints = [models.UniqueConstraint(fields=["publication", "date"], name="one_stat_per_publication_day")]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.date}: {self.views} views"
