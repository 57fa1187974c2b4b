"""Admin for support staff. Staff requests run unscoped (see ProfileMiddleware), so the scoped
admin base shows every profile's rows with a profile column and filter."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from profiles.models import Profile


class ProfileScopedAdmin(admin.ModelAdmin):
    """Base for the admin of every profile-scoped model."""

    list_select_related = ("profile",)

    def get_list_display(self, request: HttpRequest) -> Any:
        fields = list(super().get_list_display(request))
        return fields if "profile" in fields else [*fields, "profile"]

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        return filters if "profile" in filters else ["profile", *filters]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.model.all_objects.select_related("profile")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if "profile" in fields else ["profile", *fields]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "is_default", "tts_provider", "postiz_key", "monthly_budget_usd", "created_at")
    list_filter = ("is_default", "tts_provider", "created_at")
    search_fields = ("name", "user__username", "user__email", "id")
    list_select_related = ("user",)
    exclude = ("postiz_api_key",)
    readonly_fields = ("id", "postiz_key", "created_at", "updated_at")

    @admin.display(description="Postiz key")
    def postiz_key(self, obj: Profile) -> str:
        return "•••••••• (set)" if obj.postiz_api_key else "—"
