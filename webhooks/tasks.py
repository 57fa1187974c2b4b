"""django-q2 entry points of webhooks: ids in, the delivery's profile scope restored."""

from __future__ import annotations

from django.core.cache import cache

from profiles.tenancy import profile_scope, unscoped
from webhooks.delivery import deliveries_prune, deliveries_send_due, webhook_delivery_attempt
from webhooks.models import WebhookDelivery


def deliver(delivery_id: str) -> str:
    with unscoped():
        delivery = WebhookDelivery.objects.select_related("profile").filter(pk=delivery_id).first()
    if delivery is None:
        return "skipped: no such delivery"
    with profile_scope(delivery.profile):
        return webhook_delivery_attempt(delivery_id=delivery_id)


def send_due() -> str:
    """The minute schedule: retries that are due, and deliveries whose task was lost; about once
    an hour, the log's old deliveries are pruned too."""
    sent = deliveries_send_due()
    if not cache.add("editai:webhooks:pruned", True, timeout=3600):
        return f"queued {sent} deliveries"
    return f"queued {sent} deliveries, pruned {deliveries_prune()}"
