"""Webhooks in the admin: endpoints (never their secret), the deliveries log and the outbox."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from profiles.admin import ProfileScopedAdmin
from webhooks.models import Webhook, WebhookDelivery, WebhookEvent


class _ReadOnly(ProfileScopedAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return [f.name for f in self.model._meta.concrete_fields if f.name not in self.exclude_fields]

    exclude_fields: ClassVar[tuple[str, ...]] = ()


@admin.register(Webhook)
class WebhookAdmin(_ReadOnly):
    list_display = ("url", "events", "is_active", "failure_streak", "disabled_reason", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "profile__name")
    exclude = ("secret",)  # never sent to a browser, not even encrypted
    exclude_fields = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = ("event", "webhook", "status", "attempts", "response_status", "duration_ms", "created_at")
    list_filter = ("status",)
    list_select_related = ("profile", "profile__user", "event", "webhook")


@admin.register(WebhookEvent)
class WebhookEventAdmin(_ReadOnly):
    list_display = ("type", "created_at")
    list_filter = ("type",)
