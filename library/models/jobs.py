from __future__ import annotations

import uuid

from django.db import models

from profiles.tenancy import ProfileScopedModel


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobOrigin(models.TextChoices):
    """Who started a job. Only a client's own jobs count toward the queued limit: work the system
    starts on its behalf (an automatic step, a child of a larger job) must not fail a request."""

    CLIENT = "client"
    SYSTEM = "system"


class Job(ProfileScopedModel):
    """The record of every background job: what to do, how far it got, what came out."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=50, db_index=True)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    cancel_requested = models.BooleanField(default=False)
    origin = models.CharField(max_length=10, choices=JobOrigin.choices, default=JobOrigin.CLIENT)
    deferred = models.BooleanField(
        default=False, help_text="queued, out of the broker, until its profile has a free running slot"
    )
    run_after = models.DateTimeField(
        null=True, blank=True, help_text="not run before this time (rescheduled for a rate-limit slot)"
    )
    q2_task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the worker that ran it last")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
        help_text="the job this one renders a part of (one variant of a generate, one-click or bulk-render)",
    )  # fmt: skip
    waiting = models.BooleanField(
        default=False, help_text="running without a worker: its children do the work; the last to finish ends it"
    )
    source_video = models.ForeignKey(
        "library.SourceVideo", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    project = models.ForeignKey(
        "library.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    clip = models.ForeignKey("library.Clip", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs")
    output = models.FileField(max_length=500, blank=True)
    output_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["profile", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
            models.Index(fields=["profile", "status"], name="job_profile_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED
