"""Sending deliveries: a POST signed per Standard Webhooks, through the outbound-URL rules, in the
django-q2 queue (not as Jobs: they are not in /jobs/ and do not count toward a profile's caps).

A delivery is claimed with a conditional UPDATE (one worker per attempt; a dead worker's claim
expires), attempted, and recorded: 2xx succeeds; anything else is tried again after an
exponential delay, up to WEBHOOK_MAX_ATTEMPTS. An endpoint whose deliveries fail
WEBHOOK_DISABLE_AFTER times in a row is turned off, with the reason on it. The minute sweep
(`deliveries_send_due`) sends retries when they are due and whatever a lost task left behind."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from profiles.outbound import OutboundAddressRefused, outbound_client
from profiles.tenancy import unscoped
from webhooks import signing
from webhooks.models import PING, DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent
from webhooks.services import deliveries_send, retry_delays

logger = logging.getLogger(__name__)

USER_AGENT = "EditAI-Webhooks/1.0"
RESPONSE_EXCERPT = 1000  # bytes of the receiver's answer kept in the log


@dataclass(frozen=True)
class Outcome:
    status: int | None
    body: str
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _post(webhook: Webhook, event: WebhookEvent) -> Outcome:
    """One POST; never raises. The timestamp is the attempt's, as the spec wants it."""
    body = event.body.encode()
    headers = {
        **signing.headers(secret=webhook.secret, message_id=event.message_id, timestamp=int(time.time()), body=body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    started = time.monotonic()
    status, excerpt, error = None, b"", ""
    try:
        with (
            outbound_client(timeout=settings.WEBHOOK_TIMEOUT) as client,
            client.stream("POST", webhook.url, content=body, headers=headers) as response,
        ):
            status = response.status_code
            # WEBHOOK_TIMEOUT bounds each read, not the whole answer: a receiver trickling a byte
            # per read would hold the worker for hours. The status decides; the body is a log excerpt.
            deadline = started + settings.WEBHOOK_TIMEOUT
            for chunk in response.iter_bytes():
                excerpt += chunk
                if len(excerpt) >= RESPONSE_EXCERPT or time.monotonic() >= deadline:
                    break
    except OutboundAddressRefused as exc:
        error = str(exc)
    except httpx.TimeoutException:
        error = f"No answer within {settings.WEBHOOK_TIMEOUT:g} s."
    except httpx.HTTPError as exc:
        error = f"Could not connect ({type(exc).__name__})."
    duration = int((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300:
        error = f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
    # PostgreSQL text cannot hold NUL: kept, it would fail the record and leave the delivery pending.
    text = excerpt[:RESPONSE_EXCERPT].decode(errors="replace").replace("\x00", "")
    return Outcome(status, text, duration, error)


def _claim(delivery_id: UUID | str) -> bool:
    now = timezone.now()
    # Outlasts the longest attempt (connect, the answer's headers, the body's deadline: each up to
    # WEBHOOK_TIMEOUT), so the minute sweep never claims a delivery still being sent.
    lease = now + timedelta(seconds=3 * settings.WEBHOOK_TIMEOUT + 60)
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=lease, attempts=F("attempts") + 1)
    )


def webhook_delivery_attempt(*, delivery_id: UUID | str) -> str:
    """Attempt one delivery of the current profile, if it is due and nobody else holds it."""
    if not _claim(delivery_id):
        return "skipped: not due or taken"
    delivery = WebhookDelivery.objects.select_related("webhook", "event").get(pk=delivery_id)
    webhook, event = delivery.webhook, delivery.event
    is_ping = event.type == PING
    if not webhook.is_active and not is_ping:
        outcome = Outcome(None, "", 0, "Not sent: the webhook is disabled.")
    else:
        outcome = _post(webhook, event)
    _record(delivery, outcome, final=is_ping or not webhook.is_active, counts=not is_ping and webhook.is_active)
    return "succeeded" if outcome.ok else f"failed: {outcome.error}"


def _record(delivery: WebhookDelivery, outcome: Outcome, *, final: bool, counts: bool) -> None:
    now = timezone.now()
    entry = {
        "attempt": delivery.attempts, "at": now.isoformat(), "response_status": outcome.status,
        "duration_ms": outcome.duration_ms, "error": outcome.error,
    }  # fmt: skip
    delivery.log = [*delivery.log, entry]
    delivery.response_status, delivery.response_body = outcome.status, outcome.body
    delivery.duration_ms, delivery.error, delivery.locked_until = outcome.duration_ms, outcome.error[:500], None
    if outcome.ok:
        delivery.status, delivery.next_attempt_at, delivery.finished_at = DeliveryStatus.SUCCEEDED, None, now
    elif final or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at, delivery.finished_at = DeliveryStatus.FAILED, None, now
    else:
        delivery.next_attempt_at = now + timedelta(seconds=retry_delays()[delivery.attempts - 1])
    with transaction.atomic():
        delivery.save(update_fields=[
            "log", "response_status", "response_body", "duration_ms", "error", "locked_until", "status",
            "next_attempt_at", "finished_at",
        ])  # fmt: skip
        if counts and outcome.ok:
            Webhook.objects.filter(pk=delivery.webhook_id).update(failure_streak=0)
        elif counts and delivery.status == DeliveryStatus.FAILED:
            _count_failure(delivery.webhook_id, outcome, now)


def _count_failure(webhook_id: UUID, outcome: Outcome, now: object) -> None:
    Webhook.objects.filter(pk=webhook_id).update(failure_streak=F("failure_streak") + 1)
    limit = settings.WEBHOOK_DISABLE_AFTER
    reason = (
        f"Turned off after {limit} deliveries in a row failed (the last: {outcome.error or 'no answer'}). "
        "Fix the receiver, then set is_active to true."
    )
    if Webhook.objects.filter(pk=webhook_id, is_active=True, failure_streak__gte=limit).update(
        is_active=False, disabled_reason=reason[:300], disabled_at=now
    ):
        logger.warning("webhook %s turned off after %d failed deliveries in a row", webhook_id, limit)


def deliveries_send_due(*, limit: int = 500) -> int:
    """Across profiles (the minute sweep): queue the deliveries that are due and held by nobody,
    retries and first attempts alike (a task lost with its worker is sent again here)."""
    now = timezone.now()
    with unscoped():
        free = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now)
        )
        # Its last attempt was never recorded (a worker lost): it is over, not tried once more.
        free.filter(attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None, finished_at=now, locked_until=None,
            error="The last attempt was never recorded (the worker was lost).",
        )  # fmt: skip
        due = (
            free.filter(attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        ids = [str(pk) for pk in due]
    deliveries_send(delivery_ids=ids)
    return len(ids)


def deliveries_prune(*, older_than_days: int | None = None) -> int:
    """Finished deliveries (and events left without any) older than WEBHOOK_RETENTION_DAYS."""
    cutoff = timezone.now() - timedelta(days=older_than_days or settings.WEBHOOK_RETENTION_DAYS)
    with unscoped():
        deleted, _ = WebhookDelivery.objects.filter(finished_at__lt=cutoff).delete()
        WebhookEvent.objects.filter(created_at__lt=cutoff, deliveries__isnull=True).delete()
    return deleted
