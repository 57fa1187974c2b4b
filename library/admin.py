from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from library.models import Job, SourceVideo
from library.services import jobs as job_services
from profiles.admin import ProfileScopedAdmin
from profiles.tenancy import profile_scope


@admin.register(SourceVideo)
class SourceVideoAdmin(ProfileScopedAdmin):
    list_display = ("name", "duration", "width", "height", "has_audio", "size_bytes", "created_at")
    list_filter = ("has_audio", "created_at")
    search_fields = ("name", "original_name", "sha256", "id")
    readonly_fields = (
        "id", "file", "thumbnail", "sha256", "size_bytes", "duration", "width", "height", "fps", "video_codec",
        "audio_codec", "has_audio", "bit_rate", "rotation", "container", "original_name", "created_at", "updated_at",
    )  # fmt: skip


@admin.register(Job)
class JobAdmin(ProfileScopedAdmin):
    list_display = ("id", "kind", "status", "progress", "attempts", "worker", "created_at", "finished_at")
    list_filter = ("status", "kind", "created_at")
    search_fields = ("id", "kind", "error", "q2_task_id")
    readonly_fields = [f.name for f in Job._meta.concrete_fields]
    actions = ["retry_jobs", "cancel_jobs"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def _each(self, request: HttpRequest, queryset: QuerySet, action: Any, label: str) -> None:
        done, refused = 0, 0
        for job in queryset.select_related("profile"):
            # Services run as the job's own profile, exactly as a store operator's request would.
            with profile_scope(job.profile):
                try:
                    action(job=job)
                    done += 1
                except job_services.JobStateConflict:
                    refused += 1
        self.message_user(request, f"{label} {done} job(s); {refused} were not in a state that allows it.",
                          messages.SUCCESS if done else messages.WARNING)  # fmt: skip

    @admin.action(description="Retry selected failed/cancelled jobs", permissions=["change"])
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, job_services.job_retry, "Retried")

    @admin.action(description="Cancel selected jobs", permissions=["change"])
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, job_services.job_cancel, "Cancelled")
