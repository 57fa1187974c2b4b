"""Admin for support staff. Staff requests run unscoped (see ProfileMiddleware), so the scoped
admin base shows every profile's rows with a profile column and filter.

Other apps link their rows to related changelists with `changelist_link()` / `change_link()`;
the links name admin URLs only, so no app imports another app's admin."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.db import models
from django.db.models import Field, Model, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from rest_framework_api_key.models import APIKey
from rest_framework_simplejwt.token_blacklist.admin import OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from profiles.models import Profile, ProfileAPIKey
from profiles.outbound import OutboundURLError, is_web_url, outbound_url_validate
from profiles.serializers import json_field_clean
from profiles.tenancy import ProfileScopedModel

EMPTY = "—"


def profile_label(profile: Profile | None) -> str:
    """Store names repeat across users ("My store"): support staff need the owner too."""
    if profile is None:
        return EMPTY
    return f"{profile.name} ({profile.user.username})"


def changelist_link(model: str, text: str, **filters: object) -> SafeString | str:
    """A link to the changelist of `model` ("app_label.model_name") narrowed by `filters`
    (admin lookups such as profile__id__exact). Empty when that model has no admin."""
    app_label, model_name = model.lower().split(".")
    try:
        url = reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:
        return ""
    query = urlencode({key: str(value) for key, value in filters.items()})
    return format_html('<a href="{}{}">{}</a>', url, f"?{query}" if query else "", text)


def change_link(obj: Model | None, text: str | None = None) -> SafeString | str:
    """A link to the change page of `obj` (or a dash)."""
    if obj is None:
        return EMPTY
    return change_link_by_id(obj._meta.label_lower, obj.pk, text or str(obj))


def change_link_by_id(model: str, pk: object, text: str | None = None) -> SafeString | str:
    """A link to one row of `model` known only by its id (costs keep job ids, not keys)."""
    if pk is None:
        return EMPTY
    app_label, model_name = model.lower().split(".")
    try:
        url = reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return text or str(pk)
    return format_html('<a href="{}">{}</a>', url, text or str(pk))


def external_link(url: str | None, text: str | None = None) -> SafeString | str:
    """A link to a URL from outside (a post on a social network), only when it is http(s):
    anything else (`javascript:`, `data:`) is shown as plain text, never as something to click."""
    if not url:
        return EMPTY
    if not is_web_url(url):
        return url  # the admin escapes plain strings
    return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', url, text or url)


class WebURLWidget(AdminURLFieldWidget):
    """The admin's URL input, whose "Currently:" link is drawn only for an http(s) value."""

    def get_context(self, name: str, value: str | None, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if not is_web_url(value):
            context["url_valid"] = False
            context["widget"]["href"] = ""
        return context


def links(*items: SafeString | str) -> SafeString | str:
    """Several links on one line, the empty ones left out."""
    shown = [item for item in items if item]
    return format_html_join(" · ", "{}", ((item,) for item in shown)) if shown else EMPTY


class ProfileFilter(admin.RelatedFieldListFilter):
    """The profile filter, each choice labelled with its owner ("My store (alice)")."""

    # The choices' values are the pks (ints) Django compares as strings: narrower stubs say str.
    def field_choices(  # type: ignore[override]
        self, field: Field, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[object, str]]:
        profiles = Profile.objects.select_related("user").order_by("name", "user__username")
        return [(profile.pk, profile_label(profile)) for profile in profiles]


class ProfileScopedAdmin(admin.ModelAdmin):
    """Base for the admin of every profile-scoped model.

    Rows are created by services inside a profile's scope, never here: the admin cannot choose
    a profile for a new row, so there is no "add"."""

    list_select_related: ClassVar[tuple[str, ...]] = ("profile", "profile__user")

    def get_list_display(self, request: HttpRequest) -> Any:
        fields = list(super().get_list_display(request))
        if {"profile", "profile_column"} & set(fields):
            return fields
        # Second, right after the row's name: the first thing support staff need to know.
        return [*fields[:1], "profile_column", *fields[1:]]

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        named = {item[0] if isinstance(item, tuple) else item for item in filters}
        return filters if "profile" in named else [("profile", ProfileFilter), *filters]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # No select_related here: the changelist applies list_select_related only to a queryset
        # that has none yet, and subclasses extend that list for their own columns.
        return self.model.all_objects.all()

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if "profile" in fields else ["profile", *fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Profile", ordering="profile__name")
    def profile_column(self, obj: ProfileScopedModel) -> SafeString | str:
        return change_link(obj.profile, profile_label(obj.profile)) if obj.profile_id else EMPTY


class ProfileAdminForm(forms.ModelForm):
    def clean_caption_style(self) -> Any:
        # The same rules as the API: staff cannot write a style that would break a render either.
        value = self.cleaned_data.get("caption_style")
        if "caption_style" in self.changed_data:
            try:
                value = json_field_clean("caption_style", value if value is not None else {})
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return value

    def clean_postiz_api_url(self) -> str:
        # The same rule as the API (profiles.services): staff cannot point a store at an
        # internal address either, unless the operator allowed its host.
        value = self.cleaned_data.get("postiz_api_url") or ""
        if value and "postiz_api_url" in self.changed_data:
            try:
                outbound_url_validate(value)
            except OutboundURLError as exc:
                raise forms.ValidationError(str(exc)) from None
        return value


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    form = ProfileAdminForm
    list_display: tuple[str, ...] = (
        "name", "user", "is_default", "tts_provider", "postiz_key", "monthly_budget_usd", "created_at"
    )  # fmt: skip
    list_filter = ("is_default", "tts_provider", "created_at")
    search_fields = ("name", "user__username", "user__email", "id")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    # The key is never sent to a browser, not even encrypted: only whether one is set.
    exclude = ("postiz_api_key",)
    readonly_fields: ClassVar[tuple[str, ...]] = (
        "id", "user", "postiz_key", "postiz_error", "postiz_checked_at", "created_at", "updated_at"
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("name", "user", "id")}),
        ("Store", {"fields": ("description", "is_default", "monthly_budget_usd")}),
        ("Voice and captions", {"fields": ("tts_provider", "tts_voice_id", "tts_settings", "caption_style")}),
        ("Postiz", {"fields": ("postiz_api_url", "postiz_key", "postiz_error", "postiz_checked_at")}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )
    formfield_overrides = {models.URLField: {"assume_scheme": "https", "widget": WebURLWidget}}

    @admin.display(description="Postiz key")
    def postiz_key(self, obj: Profile) -> str:
        return "•••••••• (set)" if obj.postiz_api_key else EMPTY

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A profile belongs to a user who makes it through the API (a default one on sign-up).
        return False


# simplejwt lists refresh tokens in full; a token is a credential, so the admin shows its id only.
admin.site.unregister(OutstandingToken)


@admin.register(OutstandingToken)
class MaskedOutstandingTokenAdmin(OutstandingTokenAdmin):
    list_display = ("jti", "user", "created_at", "expires_at")
    fields = ("jti", "user", "created_at", "expires_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return self.fields


# The library's own APIKey model is unused (profiles.ProfileAPIKey is ours): not in the admin.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(ProfileAPIKey)
class ProfileAPIKeyAdmin(ProfileScopedAdmin):
    """A profile's API keys: the prefix only (the key is never stored; the hash is not shown).
    Staff may revoke a key (a leaked one), never create one."""

    list_display = ("prefix", "name", "scopes", "created", "expiry_date", "last_used_at", "revoked")
    list_filter = ("revoked", "created")
    search_fields = ("prefix", "name", "profile__name", "profile__user__username")
    fields = ("profile", "prefix", "name", "scopes", "created", "expiry_date", "last_used_at", "revoked", "revoked_at")
    readonly_fields: ClassVar[tuple[str, ...]] = (
        "profile", "prefix", "name", "scopes", "created", "expiry_date", "last_used_at", "revoked", "revoked_at"
    )  # fmt: skip
    actions = ("revoke",)

    @admin.action(description="Revoke the selected API keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ProfileAPIKey]) -> None:
        from django.utils import timezone

        done = queryset.filter(revoked=False).update(revoked=True, revoked_at=timezone.now())
        self.message_user(request, f"Revoked {done} API key(s).")
