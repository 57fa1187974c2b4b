"""A receiver cannot hold a worker or make a delivery retry forever: the whole attempt is bounded
by WEBHOOK_TIMEOUT (a slow trickle of bytes included) and its claim outlasts that bound; a NUL
byte in the answer is stripped from the log; a delivery is never attempted past
WEBHOOK_MAX_ATTEMPTS."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from profiles.tenancy import profile_scope
from tests.fakes.receiver import url_of
from webhooks import tasks
from webhooks.delivery import _claim, deliveries_send_due
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import webhook_create, webhook_event_emit

pytestmark = pytest.mark.django_db


def _delivery(profile: Any, url: str) -> WebhookDelivery:
    with profile_scope(profile):
        webhook_create(url=url, events=["job.failed"])
        event = webhook_event_emit(event_type="job.failed", data=lambda: {"job": {"id": 1}})
    return WebhookDelivery.all_objects.get(event=event)


def test_a_trickling_receiver_holds_the_delivery_about_the_timeout(
    cast: Any, hook_receiver: Any, settings: Any
) -> None:
    settings.WEBHOOK_TIMEOUT = 1.0
    hook_receiver.state.body, hook_receiver.state.trickle = b"x" * 16, 0.25  # 4 s in all, each byte in time
    delivery = _delivery(cast.store_a, url_of(hook_receiver))
    started = time.monotonic()
    tasks.deliver(str(delivery.pk))
    elapsed = time.monotonic() - started
    assert elapsed < 2.5, elapsed
    delivery.refresh_from_db()
    assert delivery.response_status == 200 and delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.locked_until is None and delivery.duration_ms is not None and delivery.duration_ms < 2500


def test_a_claim_outlasts_the_longest_attempt(cast: Any, settings: Any) -> None:
    settings.WEBHOOK_TIMEOUT = 60.0
    delivery = _delivery(cast.store_a, "https://93.184.215.14/hooks")  # a public literal: no DNS lookup
    before = timezone.now()
    with profile_scope(cast.store_a):
        assert _claim(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.locked_until is not None
    # Connect, the answer's headers and the body's deadline: each up to WEBHOOK_TIMEOUT.
    assert delivery.locked_until - before >= timedelta(seconds=3 * 60)


def test_a_nul_in_the_answer_is_stripped_and_the_delivery_recorded(cast: Any, hook_receiver: Any) -> None:
    hook_receiver.state.body = b'{"ok": true}\x00 trailing'
    delivery = _delivery(cast.store_a, url_of(hook_receiver))
    assert tasks.deliver(str(delivery.pk)) == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.locked_until) == (DeliveryStatus.SUCCEEDED, 1, None)
    assert delivery.response_body == '{"ok": true} trailing'


def test_a_delivery_is_never_attempted_past_the_maximum(cast: Any, hook_receiver: Any, settings: Any) -> None:
    delivery = _delivery(cast.store_a, url_of(hook_receiver))
    # A delivery left pending after its last attempt (a worker lost while recording it).
    WebhookDelivery.all_objects.filter(pk=delivery.pk).update(
        attempts=settings.WEBHOOK_MAX_ATTEMPTS, locked_until=None, next_attempt_at=timezone.now()
    )
    assert tasks.deliver(str(delivery.pk)).startswith("skipped")
    assert hook_receiver.state.received == []
    assert WebhookDelivery.all_objects.get(pk=delivery.pk).attempts == settings.WEBHOOK_MAX_ATTEMPTS
    # The minute sweep does not queue it again: it closes it as failed.
    assert deliveries_send_due() == 0
    assert WebhookDelivery.all_objects.get(pk=delivery.pk).status == DeliveryStatus.FAILED
    assert hook_receiver.state.received == []
