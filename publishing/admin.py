"""Publications in the admin: read-only (their states belong to the publish jobs and to
reconciliation with Postiz), linked to their clip and job."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.safestring import SafeString

from profiles.admin import EMPTY, ProfileScopedAdmin, change_link, external_link, links
from publishing.models import PostizCall, Publication, PublicationStat


@admin.register(Publication)
class PublicationAdmin(ProfileScopedAdmin):
    list_display = (
        "integration_identifier", "integration_name", "status", "type", "scheduled_at", "clip_link",
        "release", "created_at",
    )  # fmt: skip
    list_filter = ("status", "type", "integration_identifier", "created_at", "scheduled_at")
    search_fields = ("id", "group", "postiz_post_id", "integration_id", "integration_name", "caption")
    list_select_related = ("profile", "profile__user", "clip")
    date_hierarchy = "created_at"
    # release_url comes from Postiz: shown only through external_link() (http(s) links only).
    exclude = ["release_url"]
    readonly_fields = [
        "related", "release", *(f.name for f in Publication._meta.concrete_fields if f.name != "release_url")
    ]  # fmt: skip

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description="Clip", ordering="clip")
    def clip_link(self, obj: Publication) -> SafeString | str:
        return change_link(obj.clip) if obj.clip_id else EMPTY

    @admin.display(description="Release URL")
    def release(self, obj: Publication) -> SafeString | str:
        return external_link(obj.release_url, "open")

    @admin.display(description="Related")
    def related(self, obj: Publication) -> SafeString | str:
        return links(
            change_link(obj.clip, "clip") if obj.clip_id else "",
            change_link(obj.job, "job") if obj.job_id else "",
        )


@admin.register(PostizCall)
class PostizCallAdmin(ProfileScopedAdmin):
    """The POST /posts log that paces publishing under Postiz's hourly limit."""

    list_display = ("created_at",)
    list_filter = ("created_at",)
    date_hierarchy = "created_at"

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(PublicationStat)
class PublicationStatAdmin(ProfileScopedAdmin):
    """Statistics from Postiz, per publication and day (read-only: Postiz is the source)."""

    list_display = ("publication", "date", "views", "likes", "comments", "shares", "updated_at")
    list_select_related = ("profile", "profile__user", "publication")
    date_hierarchy = "date"

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f.name for f in PublicationStat._meta.concrete_fields]
