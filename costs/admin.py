"""Support staff's view of the ledger: read-only, across profiles (staff requests run
unscoped), with the total of whatever the filters select."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.db.models import Count, Field, Model, Sum
from django.http import HttpRequest, HttpResponse

from costs.models import LEGACY_PROFILE_LABEL, BudgetReservation, CostEntry
from costs.selectors import money
from profiles.admin import ProfileFilter, ProfileScopedAdmin, change_link_by_id

if TYPE_CHECKING:
    from django.utils.safestring import SafeString


class ProfileOrLegacyFilter(ProfileFilter):
    """The profile filter, whose "empty" choice selects the entries of deleted profiles."""

    def __init__(
        self,
        field: Field,
        request: HttpRequest,
        params: dict[str, list[str]],
        model: type[Model],
        model_admin: admin.ModelAdmin[Any],
        field_path: str,
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        self.empty_value_display = cast("SafeString", LEGACY_PROFILE_LABEL)  # plain text: nothing to escape


class ReadOnlyAdmin(ProfileScopedAdmin):
    """The ledger is written by services only; nobody edits history by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    # The base adds a plain "profile" column and filter; these admins bring their own.
    def get_list_display(self, request: HttpRequest) -> Any:
        return self.list_display

    def get_list_filter(self, request: HttpRequest) -> Any:
        return self.list_filter


@admin.register(CostEntry)
class CostEntryAdmin(ReadOnlyAdmin):
    change_list_template = "admin/costs/costentry/change_list.html"
    list_display = ("created_at", "profile_label", "provider", "model", "operation", "units_text", "cost_usd", "job")
    list_filter = ("provider", "model", "operation", "created_at", ("profile", ProfileOrLegacyFilter))
    date_hierarchy = "created_at"
    search_fields = ("job_id", "model", "profile__name", "profile__user__username")
    readonly_fields = ("id", "profile_label", "provider", "model", "operation", "units", "cost_usd", "job")
    fields = ("id", "profile_label", "provider", "model", "operation", "units", "cost_usd", "job", "created_at")
    ordering = ("-created_at",)

    @admin.display(description="Profile", ordering="profile__name")
    def profile_label(self, obj: CostEntry) -> str:
        return obj.profile.name if obj.profile is not None else LEGACY_PROFILE_LABEL

    @admin.display(description="Job", ordering="job_id")
    def job(self, obj: CostEntry) -> Any:
        # Costs know jobs by id only; the link names the job admin's URL, not its model.
        return change_link_by_id("library.job", obj.job_id) if obj.job_id else "—"

    @admin.display(description="Units")
    def units_text(self, obj: CostEntry) -> str:
        return ", ".join(f"{key}={value}" for key, value in sorted(obj.units.items())) or "—"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        # A redirect (bad filter parameters) has no context; a changelist has its filtered rows.
        if context is not None and "cl" in context:
            totals = context["cl"].queryset.aggregate(total=Sum("cost_usd"), entries=Count("pk"))
            context["cost_totals"] = {"total_usd": money(totals["total"]), "entries": totals["entries"]}
        return response


@admin.register(BudgetReservation)
class BudgetReservationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "profile", "operation", "estimate_usd", "status", "job_id", "updated_at")
    list_filter = ("status", "operation", "created_at", "profile")
    search_fields = ("job_id", "profile__name")
    fields = ("id", "profile", "job_id", "operation", "estimate_usd", "status", "created_at", "updated_at")
    readonly_fields = fields
    ordering = ("-created_at",)
