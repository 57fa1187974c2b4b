"""Writes for webhooks: a profile's endpoints, and events into the outbox.

Events are written by the code that makes the change, inside its transaction
(`webhook_event_emit`): a change that rolls back leaves no event, and a committed one always has
its deliveries, which the queue sends after the commit (webhooks.delivery). Emitting never calls
a receiver, so a receiver that is down cannot slow or fail the emitting job."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task
from rest_framework.utils.encoders import JSONEncoder

from profiles.errors import Conflict, Invalid
from profiles.models import Profile
from profiles.outbound import OutboundURLError, outbound_url_validate
from profiles.tenancy import scoped_profile
from webhooks import signing
from webhooks.models import PING, DeliveryStatus, EventType, Webhook, WebhookDelivery, WebhookEvent

logger = logging.getLogger(__name__)

MAX_WEBHOOKS = 20


def _url_check(url: str) -> str:
    try:
        return outbound_url_validate(url)
    except OutboundURLError as exc:
        raise Invalid({"url": [str(exc)]}) from None


def _events_check(events: list[str]) -> list[str]:
    unique = list(dict.fromkeys(events))
    unknown = [e for e in unique if e not in EventType.values]
    if not unique or unknown:
        raise Invalid({"events": [f"Choose among {', '.join(EventType.values)}."]})
    return unique


@transaction.atomic
def webhook_create(
    *, url: str, events: list[str], is_active: bool = True, description: str = ""
) -> tuple[Webhook, str]:
    """A new endpoint of the current profile; returns it and its secret (shown once)."""
    profile = scoped_profile()
    Profile.objects.select_for_update().filter(pk=profile.pk).values_list("pk", flat=True).first()
    if Webhook.objects.count() >= MAX_WEBHOOKS:
        raise Conflict(f"A profile may have at most {MAX_WEBHOOKS} webhooks; delete one first.")
    secret = signing.secret_generate()
    webhook = Webhook(
        url=_url_check(url), events=_events_check(events), is_active=is_active, description=description, secret=secret
    )
    webhook.full_clean()
    webhook.save()
    return webhook, secret


def webhook_update(*, webhook: Webhook, data: Mapping[str, Any]) -> Webhook:
    """Change the URL, events, description or is_active. Turning an endpoint back on clears the
    reason it was disabled and its failure count."""
    fields = []
    if "url" in data:
        webhook.url = _url_check(data["url"])
        fields.append("url")
    if "events" in data:
        webhook.events = _events_check(data["events"])
        fields.append("events")
    if "description" in data:
        webhook.description = data["description"]
        fields.append("description")
    if "is_active" in data:
        if data["is_active"] and not webhook.is_active:
            webhook.failure_streak, webhook.disabled_reason, webhook.disabled_at = 0, "", None
            fields += ["failure_streak", "disabled_reason", "disabled_at"]
        webhook.is_active = data["is_active"]
        fields.append("is_active")
    webhook.full_clean()
    webhook.save(update_fields=[*fields, "updated_at"])
    return webhook


def webhook_secret_rotate(*, webhook: Webhook) -> tuple[Webhook, str]:
    """A new secret, returned once; the old one stops signing at once."""
    secret = signing.secret_generate()
    webhook.secret = secret
    webhook.save(update_fields=["secret", "updated_at"])
    logger.info("webhook %s: secret rotated", webhook.pk)
    return webhook, secret


def webhook_delete(*, webhook: Webhook) -> None:
    webhook.delete()  # its deliveries go with it


# -- the outbox --------------------------------------------------------------------------------


def _body(event_type: str, data: Mapping[str, Any]) -> str:
    # DRF's encoder: the data renders exactly as the API renders the object.
    payload = {"type": event_type, "timestamp": timezone.now().isoformat().replace("+00:00", "Z"), "data": data}
    return json.dumps(payload, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))


def deliveries_send(*, delivery_ids: list[str]) -> None:
    """Hand deliveries to the queue (ids only; the task finds the profile). Not Jobs: they are
    not in /jobs/ and do not count toward a profile's caps."""
    for delivery_id in delivery_ids:
        async_task("webhooks.tasks.deliver", delivery_id, task_name=f"webhook:{delivery_id}")


def _deliveries_send_on_commit(delivery_ids: list[str]) -> None:
    def send() -> None:
        try:
            deliveries_send(delivery_ids=delivery_ids)
        except Exception:  # the broker is down: the minute sweep sends them (the rows are there)
            logger.exception("could not queue %d webhook deliveries", len(delivery_ids))

    transaction.on_commit(send)


def webhook_event_emit(*, event_type: str, data: Callable[[], Mapping[str, Any]]) -> WebhookEvent | None:
    """Write an event of the current profile into the outbox, with one delivery per active
    endpoint that subscribed to it, in the caller's transaction. `data` is called only when some
    endpoint wants the event (it serializes the object). None when nobody listens."""
    targets = list(Webhook.objects.filter(is_active=True, events__contains=[event_type]).values_list("pk", flat=True))
    if not targets:
        return None
    event = WebhookEvent.objects.create(type=event_type, body=_body(event_type, data()))
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook_id=pk, event=event, next_attempt_at=now) for pk in targets]
    )
    _deliveries_send_on_commit([str(d.pk) for d in deliveries])
    return event


@transaction.atomic
def webhook_ping(*, webhook: Webhook) -> WebhookDelivery:
    """A test event to this one endpoint, sent once, even while it is disabled (to check that the
    receiver is back before turning it on); it does not count toward disabling."""
    data = {"webhook": {"id": str(webhook.pk), "url": webhook.url, "events": webhook.events}}
    event = WebhookEvent.objects.create(type=PING, body=_body(PING, data))
    delivery = WebhookDelivery.objects.create(webhook=webhook, event=event, next_attempt_at=timezone.now())
    _deliveries_send_on_commit([str(delivery.pk)])
    return delivery


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a finished delivery's event again, as a new delivery (same webhook-id, so a receiver
    that did process it can tell)."""
    if delivery.status == DeliveryStatus.PENDING:
        raise Conflict("This delivery is still being attempted.")
    webhook = delivery.webhook
    if not webhook.is_active and delivery.event.type != PING:
        raise Conflict("The webhook is disabled: turn it on (is_active: true) before replaying.")
    again = WebhookDelivery.objects.create(
        webhook=webhook, event=delivery.event, replay_of=delivery, next_attempt_at=timezone.now()
    )
    _deliveries_send_on_commit([str(again.pk)])
    return again


def retry_delays() -> list[float]:
    """Seconds before attempts 2..N: exponential, base x 3^n (30 s, 90 s, 4.5 min, 13.5 min,
    40.5 min by default: six attempts over about an hour)."""
    base = float(settings.WEBHOOK_RETRY_BASE_SECONDS)
    return [base * 3**n for n in range(settings.WEBHOOK_MAX_ATTEMPTS - 1)]
