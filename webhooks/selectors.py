"""Reads of webhooks, in the current profile's scope."""

from __future__ import annotations

from uuid import UUID

from webhooks.models import Webhook


def webhook_get(*, pk: UUID | str) -> Webhook | None:
    """One of the current profile's webhooks (None for another profile's: a 404)."""
    return Webhook.objects.filter(pk=pk).first()
