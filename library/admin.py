"""The library in the admin: read-mostly views for support staff, with links along
project → clips → jobs → cost entries / publications, the job actions (retry, cancel), and
cloned voices, which staff assign to the profile that may use them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString
from django_q.models import Task

from library.media.caption_style import StyleError, validate_style
from library.models import (
    BrandKit,
    Clip,
    ClonedVoice,
    ExportPreset,
    Job,
    MusicTrack,
    Project,
    ProjectSegment,
    Segment,
    SourceVideo,
    SubjectTrack,
    Transcript,
    VideoAnalysis,
    Voiceover,
)
from library.providers.tts import TTSError
from library.services import jobs as job_services
from library.services import voices as voice_services
from profiles.admin import ProfileScopedAdmin, change_link, change_link_by_id, changelist_link, links, profile_label
from profiles.errors import DomainError
from profiles.models import Profile
from profiles.tenancy import profile_scope


def _all_fields(model: type[Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


@admin.register(SourceVideo)
class SourceVideoAdmin(ProfileScopedAdmin):
    list_display = ("name", "duration", "width", "height", "has_audio", "size_bytes", "created_at", "related")
    list_filter = ("has_audio", "created_at")
    search_fields = ("name", "original_name", "sha256", "id")
    date_hierarchy = "created_at"
    readonly_fields = (
        "id", "related", "file", "thumbnail", "sha256", "size_bytes", "duration", "width", "height", "fps",
        "video_codec", "audio_codec", "has_audio", "bit_rate", "rotation", "container", "original_name",
        "created_at", "updated_at",
    )  # fmt: skip

    @admin.display(description="Related")
    def related(self, obj: SourceVideo) -> SafeString | str:
        return links(
            changelist_link("library.segment", "segments", source_video__id__exact=obj.pk),
            changelist_link("library.project", "projects", source_video__id__exact=obj.pk),
            changelist_link("library.job", "jobs", source_video__id__exact=obj.pk),
        )


@admin.register(VideoAnalysis)
class VideoAnalysisAdmin(ProfileScopedAdmin):
    list_display = ("source_video", "provider", "model", "created_at")
    list_filter = ("provider", "created_at")
    search_fields = ("id", "source_video__name", "model")
    list_select_related = ("profile", "profile__user", "source_video")
    date_hierarchy = "created_at"
    readonly_fields = _all_fields(VideoAnalysis)


@admin.register(Transcript)
class TranscriptAdmin(ProfileScopedAdmin):
    """Read-only: corrections go through the API (PATCH .../transcript/), which rebuilds sentences."""

    list_display = ("source_video", "provider", "model", "language", "reliable", "mean_probability", "created_at")
    list_filter = ("provider", "reliable", "language", "created_at")
    search_fields = ("id", "source_video__name", "text")
    list_select_related = ("profile", "profile__user", "source_video")
    date_hierarchy = "created_at"
    readonly_fields = _all_fields(Transcript)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(SubjectTrack)
class SubjectTrackAdmin(ProfileScopedAdmin):
    """The tracker's cached crop paths, read-only; deleting one makes the next render track afresh."""

    list_display = ("source_video", "start", "end", "subject", "confidence", "seconds", "version", "created_at")
    list_filter = ("subject", "version", "created_at")
    search_fields = ("id", "source_video__name")
    list_select_related = ("profile", "profile__user", "source_video")
    readonly_fields = _all_fields(SubjectTrack)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Segment)
class SegmentAdmin(ProfileScopedAdmin):
    list_display = ("__str__", "source_video", "score", "origin", "is_favorite", "usage_count", "created_at")
    list_filter = ("origin", "is_favorite", "created_at")
    search_fields = ("id", "source_video__name", "notes", "description")
    list_select_related = ("profile", "profile__user", "source_video")
    readonly_fields = ("id", "source_video", "analysis", "usage_count", "created_at", "updated_at")


@admin.register(Project)
class ProjectAdmin(ProfileScopedAdmin):
    list_display = ("name", "status", "target_duration", "source_video", "clips", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("name", "id", "description")
    list_select_related = ("profile", "profile__user", "source_video")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "related", "status", "status_reason", "source_video", "created_at", "updated_at")
    exclude = ("segments",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(clip_count=Count("clips"))

    @admin.display(description="Clips", ordering="clip_count")
    def clips(self, obj: Project) -> SafeString | str:
        count = obj.clip_count  # type: ignore[attr-defined]  # annotated by get_queryset
        return changelist_link("library.clip", f"{count} clip(s)", project__id__exact=obj.pk)

    @admin.display(description="Related")
    def related(self, obj: Project) -> SafeString | str:
        return links(
            changelist_link("library.clip", "clips", project__id__exact=obj.pk),
            changelist_link("library.projectsegment", "assigned segments", project__id__exact=obj.pk),
            changelist_link("library.job", "jobs", project__id__exact=obj.pk),
        )


@admin.register(ProjectSegment)
class ProjectSegmentAdmin(ProfileScopedAdmin):
    list_display = ("project", "position", "segment")
    list_select_related = ("profile", "profile__user", "project", "segment")
    search_fields = ("project__name", "project__id")
    readonly_fields = _all_fields(ProjectSegment)


class ClipAdminForm(forms.ModelForm):
    def clean_caption_style(self) -> Any:
        # The same rules as the API (library.media.caption_style).
        value = self.cleaned_data.get("caption_style")
        if "caption_style" in self.changed_data:
            try:
                value = validate_style(value if value is not None else {})
            except StyleError as exc:
                raise forms.ValidationError(str(exc)) from None
        return value


@admin.register(Clip)
class ClipAdmin(ProfileScopedAdmin):
    form = ClipAdminForm
    list_display = ("__str__", "project", "variant_index", "status", "is_selected", "duration", "created_at", "related")
    list_filter = ("status", "is_selected", "layout", "created_at")
    search_fields = ("id", "project__name", "project__id", "script_text")
    list_select_related = ("profile", "profile__user", "project")
    date_hierarchy = "created_at"
    readonly_fields = (
        "id", "related", "project", "variant_index", "cut_list", "selection", "raw_file", "final_file", "thumbnail",
        "duration", "final_duration", "render_info", "srt_text", "status", "error", "created_at", "updated_at",
    )  # fmt: skip

    @admin.display(description="Related")
    def related(self, obj: Clip) -> SafeString | str:
        return links(
            change_link(obj.project, "project"),
            changelist_link("library.job", "jobs", clip__id__exact=obj.pk),
            changelist_link("publishing.publication", "publications", clip__id__exact=obj.pk),
        )


@admin.register(ExportPreset)
class ExportPresetAdmin(ProfileScopedAdmin):
    list_display = ("name", "width", "height", "fps", "crf", "speed", "loudness", "created_at")
    list_filter = ("speed", "created_at")
    search_fields = ("name", "description", "id")
    readonly_fields = ("id", "created_at", "updated_at")


@admin.register(Job)
class JobAdmin(ProfileScopedAdmin):
    list_display = ("id", "kind", "status", "progress", "attempts", "worker", "created_at", "finished_at")
    list_filter = ("status", "kind", "created_at", "finished_at")
    search_fields = ("id", "kind", "error", "q2_task_id")
    date_hierarchy = "created_at"
    readonly_fields = ["related", *_all_fields(Job)]
    actions = ["retry_jobs", "cancel_jobs"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Jobs change through their actions (which go through the services), never the form.
        return obj is None and super().has_change_permission(request)

    def _each(self, request: HttpRequest, queryset: QuerySet, action: Callable[..., object], label: str) -> None:
        done, refused = 0, 0
        for job in queryset.select_related("profile"):
            # Services run as the job's own profile, exactly as a store operator's request would.
            with profile_scope(job.profile):
                try:
                    action(job=job)
                    done += 1
                except job_services.JobStateConflict:
                    refused += 1
                except DomainError as exc:  # a retry over the budget (402) or the queued limit (429)
                    self.message_user(request, f"Job {job.pk}: {exc.detail}", messages.ERROR)
        self.message_user(request, f"{label} {done} job(s); {refused} were not in a state that allows it.",
                          messages.SUCCESS if done else messages.WARNING)  # fmt: skip

    @admin.action(description="Retry selected failed/cancelled jobs", permissions=["change"])
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, job_services.job_retry, "Retried")

    @admin.action(description="Cancel selected jobs", permissions=["change"])
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, job_services.job_cancel, "Cancelled")

    @admin.display(description="Related")
    def related(self, obj: Job) -> SafeString | str:
        return links(
            change_link(obj.project, "project") if obj.project_id else "",
            change_link(obj.clip, "clip") if obj.clip_id else "",
            change_link(obj.source_video, "source video") if obj.source_video_id else "",
            changelist_link("costs.costentry", "cost entries", job_id=obj.pk),
            changelist_link("publishing.publication", "publications", job__id__exact=obj.pk),
            self._q2_task_link(obj),
        )

    @staticmethod
    def _q2_task_link(obj: Job) -> SafeString | str:
        """q2 keeps finished tasks as Success or Failure (a task still queued has neither)."""
        if not obj.q2_task_id:
            return ""
        success = Task.objects.filter(id=obj.q2_task_id).values_list("success", flat=True).first()
        if success is None:
            return changelist_link("django_q.ormq", "q2 queue")
        return change_link_by_id("django_q.success" if success else "django_q.failure", obj.q2_task_id, "q2 task")


class ClonedVoiceForm(forms.ModelForm):
    """The row's profile is not editable on the model (rows are stamped with their scope's):
    here staff choose it (`owner`), and the voice must be one of the account's own, not a
    stock voice."""

    owner = forms.ModelChoiceField(
        queryset=Profile.objects.select_related("user").order_by("name", "user__username"), label="Profile"
    )

    class Meta:
        model = ClonedVoice
        fields = ["provider", "voice_id", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].label_from_instance = profile_label  # type: ignore[attr-defined]
        if self.instance.profile_id:
            self.fields["owner"].initial = self.instance.profile_id

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # a ModelForm's clean() returns cleaned_data
        provider, voice_id = data.get("provider"), data.get("voice_id")
        if not provider or not voice_id or (self.instance.pk and "voice_id" not in self.changed_data):
            return data
        try:
            found = voice_services.account_voice_get(provider=provider, voice_id=voice_id)
        except (TTSError, ValueError) as exc:
            raise forms.ValidationError(f"Could not check the voice: {getattr(exc, 'message', None) or exc}") from None
        if found is None:
            self.add_error("voice_id", f"The {provider} account has no voice {voice_id!r}.")
        elif found.stock:
            self.add_error("voice_id", f"{voice_id!r} is a stock voice: every profile may use it already.")
        return data


@admin.register(ClonedVoice)
class ClonedVoiceAdmin(ProfileScopedAdmin):
    """Clones are recorded for the profile that made them. Voices the account held before (or
    got outside EditAI) belong to no profile, so nobody may use them, until staff assign them
    here: the changelist lists them, each with a link that fills in the form."""

    form = ClonedVoiceForm
    change_list_template = "admin/library/clonedvoice/change_list.html"
    list_display = ("name", "voice_id", "provider", "created_at")
    list_filter = ("provider", "created_at")
    search_fields = ("name", "voice_id", "profile__name", "profile__user__username")
    fields = ("owner", "provider", "voice_id", "name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return admin.ModelAdmin.has_add_permission(self, request)  # the base refuses adds to scoped rows

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return ("provider", "voice_id", "created_at") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: ClonedVoice, form: forms.BaseForm, change: bool) -> None:
        voice_services.cloned_voice_assign(voice=obj, profile=form.cleaned_data["owner"])

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra = dict(extra_context or {}, elevenlabs=bool(settings.ELEVENLABS_API_KEY))
        if extra["elevenlabs"]:
            try:
                extra["unowned_voices"] = voice_services.account_voices_unowned(provider="elevenlabs")
            except TTSError as exc:
                extra["unowned_error"] = exc.message
        return super().changelist_view(request, extra)


@admin.register(MusicTrack)
class MusicTrackAdmin(ProfileScopedAdmin):
    list_display = ("name", "duration", "codec", "size_bytes", "created_at")
    search_fields = ("name", "original_name", "id")
    date_hierarchy = "created_at"
    readonly_fields = (
        "id", "file", "original_name", "size_bytes", "duration", "codec", "sample_rate", "channels", "container",
        "created_at",
    )  # fmt: skip


@admin.register(BrandKit)
class BrandKitAdmin(ProfileScopedAdmin):
    """Read-only for support: the files were validated on upload, and only the profile's API
    changes them."""

    list_display = ("__str__", "logo_position", "font_family", "intro_template", "outro_template", "updated_at")
    search_fields = ("id", "profile__name", "font_family")
    readonly_fields = _all_fields(BrandKit)


@admin.register(Voiceover)
class VoiceoverAdmin(ProfileScopedAdmin):
    """The voiceover cache, read-only: rows are written by speech synthesis and expired by
    prune_media."""

    list_display = ("provider", "voice_id", "model", "characters", "duration", "last_used_at")
    list_filter = ("provider",)
    search_fields = ("id", "key", "voice_id")
    date_hierarchy = "last_used_at"
    readonly_fields = _all_fields(Voiceover)
