from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from profiles.tenancy import ProfileScopedModel


class VideoAnalysis(ProfileScopedModel):
    """One analysis of a source video by one provider for one context. Its segments are reused
    by later generates, so the same analysis is never paid for twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source_video = models.ForeignKey("library.SourceVideo", on_delete=models.CASCADE, related_name="analyses")
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100)
    context_hash = models.CharField(max_length=64)
    notes = models.JSONField(default=list, blank=True)
    usage = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "video analyses"
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "source_video", "provider", "context_hash"], name="analysis_cache_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} analysis of {self.source_video_id}"


class SegmentOrigin(models.TextChoices):
    MANUAL = "manual"
    AI = "ai"


class Segment(ProfileScopedModel):
    """A stretch of a source video worth using: drawn by hand or scored by an analysis."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source_video = models.ForeignKey("library.SourceVideo", on_delete=models.CASCADE, related_name="segments")
    analysis = models.ForeignKey(
        VideoAnalysis, null=True, blank=True, on_delete=models.CASCADE, related_name="segments"
    )
    start = models.FloatField(validators=[MinValueValidator(0)])
    end = models.FloatField(validators=[MinValueValidator(0)])
    keywords = ArrayField(models.CharField(max_length=50), default=list, blank=True, size=30)
    notes = models.TextField(blank=True, max_length=2000)
    description = models.TextField(blank=True, max_length=2000)
    score = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    origin = models.CharField(max_length=10, choices=SegmentOrigin.choices, default=SegmentOrigin.MANUAL)
    is_favorite = models.BooleanField(default=False)
    usage_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source_video_id", "start", "id"]
        indexes = [models.Index(fields=["profile", "source_video", "start"])]

    def __str__(self) -> str:
        return f"{self.start:.2f}-{self.end:.2f}"

    @property
    def duration(self) -> float:
        return self.end - self.start

    def clean(self) -> None:
        super().clean()
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": "end must be after start."})
        video = self.source_video if self.source_video_id else None
        if video is not None and self.end is not None and self.end > video.duration + 0.05:
            raise ValidationError({"end": f"end is beyond the video's duration ({video.duration:.2f} s)."})


class ProjectStatus(models.TextChoices):
    DRAFT = "draft"
    GENERATING = "generating"
    READY = "ready"
    FAILED = "failed"
    ARCHIVED = "archived"


class Project(ProfileScopedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    target_duration = models.FloatField(default=15.0, validators=[MinValueValidator(2), MaxValueValidator(180)])
    context_text = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    status_reason = models.TextField(blank=True)
    source_video = models.ForeignKey(
        "library.SourceVideo", null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    segments = models.ManyToManyField(Segment, through="ProjectSegment", related_name="projects", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "profile", name="project_name_unique_per_profile",
                violation_error_message="A project with this name already exists.",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class ProjectSegment(ProfileScopedModel):
    """A segment assigned to a project, in order."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="assignments")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="project_segment_position"),
            models.UniqueConstraint(fields=["project", "segment"], name="project_segment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} #{self.position}"


class ClipStatus(models.TextChoices):
    RAW = "raw"
    RENDERING = "rendering"
    FINAL = "final"
    FAILED = "failed"


class OriginalAudio(models.TextChoices):
    DUCK = "duck"
    MUTE = "mute"
    KEEP = "keep"


class Clip(ProfileScopedModel):
    """One 9:16 variant of a project, made from a cut list that is enough to re-render it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="clips")
    variant_index = models.PositiveSmallIntegerField()
    cut_list = models.JSONField(default=list)
    layout = models.CharField(max_length=10, default="pad")
    selection = models.JSONField(default=dict, blank=True, help_text="how the cut list was chosen (mode, seed)")
    raw_file = models.FileField(max_length=500, blank=True)
    final_file = models.FileField(max_length=500, blank=True)
    # The low-resolution preview render (540x960), to pick which variants get a final render.
    preview_file = models.FileField(max_length=500, blank=True, null=True)
    thumbnail = models.FileField(max_length=500, blank=True)
    duration = models.FloatField(default=0)
    final_duration = models.FloatField(null=True, blank=True)
    script_text = models.TextField(blank=True, max_length=5000)
    caption_style = models.JSONField(default=dict, blank=True)
    voice_id = models.CharField(max_length=100, blank=True)
    original_audio = models.CharField(max_length=10, choices=OriginalAudio.choices, default=OriginalAudio.DUCK)
    srt_text = models.TextField(blank=True, max_length=100_000)
    # A bed from the profile's music library under the voice (deleting the track drops it here).
    music_track = models.ForeignKey(
        "library.MusicTrack", null=True, blank=True, on_delete=models.SET_NULL, related_name="clips"
    )
    music_volume_db = models.FloatField(default=-18.0, help_text="the bed's level under the voice, in dB")
    # The opening hook shown over the first seconds: this text, or with hook_auto the first
    # sentence of the script (or of the source's transcript) at render time.
    hook_text = models.CharField(max_length=120, blank=True)
    hook_auto = models.BooleanField(default=False)
    render_info = models.JSONField(default=dict, blank=True)
    # Layout track: {points: [{t, x}], cut_list: digest} (library.services.reframe); stale once
    # the cut list changes.
    focus = models.JSONField(default=dict, blank=True)
    is_selected = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=ClipStatus.choices, default=ClipStatus.RAW)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "variant_index", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "variant_index"], name="clip_variant_unique")]
        indexes = [models.Index(fields=["profile", "status"])]

    def __str__(self) -> str:
        return f"{self.project_id} v{self.variant_index}"
