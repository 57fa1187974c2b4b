"""The admin pieces that span apps (editai is the composition layer, so it may import them all):
the profile page with links to everything the profile owns and its operations (sweep temp
files, reconcile publications), the cost ledger with the install's provider subscriptions, and
django-q2's task lists filterable by profile."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django_q import admin as q2_admin
from django_q.models import Failure, Success, Task

from costs.admin import CostEntryAdmin
from costs.models import CostEntry
from editai.admin_dashboard import support_dashboard
from editai.subscriptions import subscription_usage
from library.services.temp import temp_sweep
from profiles.admin import EMPTY, ProfileAdmin, change_link_by_id, changelist_link, links, profile_label
from profiles.models import Profile
from profiles.support import OPERATE_PERMISSION
from publishing.tasks import reconcile_summary, reconcile_totals

# What a profile owns, in the order support staff follow it.
OWNED = (
    ("library.sourcevideo", "source videos"),
    ("library.project", "projects"),
    ("library.clip", "clips"),
    ("library.job", "jobs"),
    ("costs.costentry", "cost entries"),
    ("publishing.publication", "publications"),
)


def _can_operate(request: HttpRequest) -> bool:
    app_label, codename = OPERATE_PERMISSION
    return request.user.has_perm(f"{app_label}.{codename}")


admin.site.unregister(Profile)


@admin.register(Profile)
class SupportProfileAdmin(ProfileAdmin):
    list_display = (*ProfileAdmin.list_display, "owned")
    readonly_fields = ("owned", "q2_tasks", "dashboard", *ProfileAdmin.readonly_fields)
    # What the profile owns comes first: it is where support staff go from here.
    fieldsets = (
        (None, {"fields": ("name", "user", "id", "dashboard", "owned", "q2_tasks")}),
        *ProfileAdmin.fieldsets[1:],
    )
    actions = ["sweep_temp", "reconcile"]

    @admin.display(description="Owns")
    def owned(self, obj: Profile) -> SafeString | str:
        return links(*(changelist_link(model, text, profile__id__exact=obj.pk) for model, text in OWNED))

    @admin.display(description="Dashboard")
    def dashboard(self, obj: Profile) -> SafeString | str:
        if obj.pk is None:
            return EMPTY
        url = reverse("admin:profiles_profile_dashboard", args=[obj.pk])
        return format_html('<a href="{}">Costs, renders, publications and top clips (30 days)</a>', url)

    def get_urls(self) -> list[URLPattern]:
        page = self.admin_site.admin_view(self.dashboard_view)  # staff only: others go to the login
        return [path("<path:object_id>/dashboard/", page, name="profiles_profile_dashboard"), *super().get_urls()]

    def dashboard_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        profile = self.get_object(request, unquote(object_id))
        if profile is None:
            raise Http404("No such profile.")
        if not self.has_view_permission(request, profile):
            raise PermissionDenied
        board = support_dashboard(profile=profile)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": profile,
            "title": f"Dashboard: {profile_label(profile)}",
            "board": board,
        }
        return TemplateResponse(request, "admin/editai/profile_dashboard.html", context)

    @admin.display(description="Background tasks")
    def q2_tasks(self, obj: Profile) -> SafeString | str:
        return links(
            changelist_link("django_q.success", "succeeded", group=obj.pk),
            changelist_link("django_q.failure", "failed", group=obj.pk),
        )

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return _can_operate(request)

    @admin.action(description="Sweep temp files of the selected profiles", permissions=["operate"])
    def sweep_temp(self, request: HttpRequest, queryset: QuerySet) -> None:
        removed, freed, kept = 0, 0, 0
        for profile in queryset:
            report = temp_sweep(profile_id=profile.pk)
            removed, freed, kept = removed + len(report.removed), freed + report.bytes_freed, kept + len(report.kept)
        self.message_user(
            request,
            f"Swept {queryset.count()} profile(s): removed {removed} path(s), {freed} bytes; kept {kept} in use.",
            messages.SUCCESS,
        )

    @admin.action(description="Reconcile publications of the selected profiles with Postiz", permissions=["operate"])
    def reconcile(self, request: HttpRequest, queryset: QuerySet) -> None:
        for profile in queryset:
            totals = reconcile_totals(str(profile.pk))
            level = messages.WARNING if totals["errors"] else messages.SUCCESS
            self.message_user(request, f"{profile_label(profile)}: {reconcile_summary(totals)}", level)


admin.site.unregister(CostEntry)


@admin.register(CostEntry)
class SupportCostEntryAdmin(CostEntryAdmin):
    """The ledger, with the install's provider subscriptions (every profile's use together)
    above it: staff only, here, and never through the API."""

    change_list_template = "admin/editai/costentry_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "subscriptions": subscription_usage()})


class ProfileGroupFilter(admin.SimpleListFilter):
    """q2 tasks carry their profile's id as the group: offer the profiles by name."""

    title = "profile"
    parameter_name = "group"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        groups = model_admin.get_queryset(request).exclude(group=None).values_list("group", flat=True).distinct()
        ids = [group for group in groups if _is_uuid(group)]
        profiles = Profile.objects.filter(pk__in=ids).select_related("user").order_by("name", "user__username")
        return [(str(p.pk), profile_label(p)) for p in profiles]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(group=self.value()) if self.value() else queryset


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError):
        return False
    return True


def _with_profile_label(queryset: QuerySet) -> QuerySet:
    """Annotate each task with its profile's label; the group is text, the profile id a UUID."""
    profiles = Profile.objects.annotate(key=Cast("id", CharField())).filter(key=OuterRef("group"))
    label = Concat("name", Value(" ("), "user__username", Value(")"), output_field=CharField())
    return queryset.annotate(profile_label=Subquery(profiles.annotate(label=label).values("label")[:1]))


class ProfileTaskColumns:
    """The profile column and filter, and resubmission for those who may change tasks only
    (support staff retry jobs from the job admin, which knows the job's state)."""

    list_filter = (ProfileGroupFilter, "cluster")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return _with_profile_label(super().get_queryset(request))  # type: ignore[misc]

    @admin.display(description="Profile", ordering="profile_label")
    def profile(self, obj: Task) -> SafeString | str:
        if not obj.profile_label:
            return EMPTY
        return change_link_by_id("profiles.profile", obj.group, obj.profile_label)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)  # type: ignore[misc]
        if not self.has_change_permission(request):  # type: ignore[attr-defined]
            actions.pop("resubmit_task", None)
        return actions


for model in (Success, Failure):
    admin.site.unregister(model)


@admin.register(Success)
class SuccessAdmin(ProfileTaskColumns, q2_admin.TaskAdmin):
    list_display = ("name", "profile", "func", "cluster", "started", "stopped", "time_taken")


@admin.register(Failure)
class FailureAdmin(ProfileTaskColumns, q2_admin.FailAdmin):
    list_display = ("name", "profile", "func", "cluster", "started", "stopped", "short_result")
