"""Webhook deliveries end to end, over real HTTP to a receiver on loopback: each event once,
signed so that the Standard Webhooks reference library (standardwebhooks) verifies it; retries
with backoff on a 500 while the emitting job is unaffected; nothing for a rolled-back change; an
endpoint failing 20 deliveries in a row is turned off; the log and replay through the API.

Budget: ~6 s (one 1 s 180x320 render; every other step is a row or a loopback request)."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as ReferenceVerifier

from library.models import JobStatus
from library.services.jobs import job_cancel
from profiles.tenancy import profile_scope
from publishing.models import PublicationStatus
from publishing.services import submit
from tests.conftest import api_client_for
from tests.factories import ExportPresetFactory, PublicationFactory, WebhookDeliveryFactory, tiny_video
from tests.fakes.receiver import url_of
from tests.jobs import make_job, reload, run
from tests.proof.world import render_ready_clip
from tests.scopedapp.jobs import GATES
from webhooks import tasks
from webhooks.delivery import deliveries_send_due
from webhooks.models import DeliveryStatus, EventType, Webhook, WebhookDelivery, WebhookEvent
from webhooks.services import retry_delays, webhook_create, webhook_event_emit

pytestmark = pytest.mark.django_db
ALL_EVENTS = list(EventType.values)


def _webhook(profile: Any, url: str, events: list[str] | None = None) -> tuple[Webhook, str]:
    with profile_scope(profile):
        return webhook_create(url=url, events=events or ALL_EVENTS)


def _verified(secret: str, received: Any) -> dict[str, Any]:
    """The spec's reference implementation checks the signature (and the timestamp's freshness)."""
    payload: dict[str, Any] = ReferenceVerifier(secret).verify(received.body, received.headers)
    return payload


def _succeeding_job(profile: Any) -> Any:
    job = make_job(profile, "test-gate")
    GATES[str(job.pk)].set()
    return job


@pytest.mark.django_db(transaction=True)  # real commits: the render's monitor thread reads the job row
def test_a_receiver_gets_each_event_once_signed_per_the_spec(cast: Any, hook_receiver: Any, sync_queue: None) -> None:
    _, secret = _webhook(cast.store_a, url_of(hook_receiver, "/a"))
    _webhook(cast.store_b, url_of(hook_receiver, "/b"), ["job.failed"])  # another store's: hears nothing of A's
    ExportPresetFactory(profile=cast.store_a, name="hook", width=180, height=320, speed="ultrafast", crf=32)
    client = api_client_for(cast.alice, cast.store_a)
    clip = render_ready_clip(cast.store_a, tiny_video(), seconds=1.0, with_final=False)
    published = PublicationFactory(profile=cast.store_a, status=PublicationStatus.SUBMITTED, postiz_post_id="p-1")
    refused = PublicationFactory(profile=cast.store_a, status=PublicationStatus.QUEUED)

    ok, crash = _succeeding_job(cast.store_a), make_job(cast.store_a, "test-crash")
    assert run(ok) == "succeeded" and run(crash) == "failed"
    queued = make_job(cast.store_a, "preview")
    with profile_scope(cast.store_a):
        job_cancel(job=queued)
    # The sync queue runs the render job as soon as its request commits.
    render = client.post(f"/api/v1/library/clips/{clip.pk}/render/", {"preset": "hook"}, format="json")
    assert render.status_code == 202, render.content
    assert reload(render.json()["id"]).status == JobStatus.SUCCEEDED, reload(render.json()["id"]).error
    with profile_scope(cast.store_a):
        state = SimpleNamespace(id="p-1", state="PUBLISHED", release_url="https://social.example/p/1")
        submit.reconcile(client=SimpleNamespace(list_posts=lambda **_: [state]))  # type: ignore[arg-type]
        submit.fail_open([refused.group], "The provider refused the post")

    got = hook_receiver.state.received
    assert [r.path for r in got if r.path != "/a"] == []
    by_type = {t: hook_receiver.state.of_type(t) for t in ALL_EVENTS}
    # Two jobs succeeded: the gate job and the render job itself.
    assert {t: len(r) for t, r in by_type.items()} == {**dict.fromkeys(ALL_EVENTS, 1), "job.succeeded": 2}
    assert len({r.headers["webhook-id"] for r in got}) == len(got) == 7
    by_type["job.succeeded"] = [r for r in by_type["job.succeeded"] if str(ok.pk) in r.body.decode()]
    expected = {
        "job.succeeded": ("job", ok.pk), "job.failed": ("job", crash.pk), "job.cancelled": ("job", queued.pk),
        "clip.rendered": ("clip", clip.pk), "publication.published": ("publication", published.pk),
        "publication.failed": ("publication", refused.pk),
    }  # fmt: skip
    for event_type, (name, pk) in expected.items():
        payload = _verified(secret, by_type[event_type][0])
        assert payload["type"] == event_type and set(payload) == {"type", "timestamp", "data"}
        assert list(payload["data"]) == [name] and payload["data"][name]["id"] == str(pk)
    # `data` is the object as its own endpoint shows it: the same fields, the same values.
    job_payload = json.loads(by_type["job.succeeded"][0].body)["data"]["job"]
    shown = client.get(f"/api/v1/jobs/{ok.pk}/").json()
    assert set(job_payload) == set(shown) and job_payload["status"] == shown["status"] == "succeeded"
    clip_payload = json.loads(by_type["clip.rendered"][0].body)["data"]["clip"]
    assert clip_payload["status"] == "final" and clip_payload["final_url"].endswith("?kind=final")
    assert set(clip_payload) == set(client.get(f"/api/v1/library/clips/{clip.pk}/").json())
    assert json.loads(by_type["publication.published"][0].body)["data"]["publication"]["status"] == "published"
    assert WebhookDelivery.all_objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 7


def test_an_event_of_a_rolled_back_change_is_never_sent(
    cast: Any, hook_receiver: Any, sync_queue: None, django_capture_on_commit_callbacks: Any
) -> None:
    _webhook(cast.store_a, url_of(hook_receiver))
    job = make_job(cast.store_a, "preview")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
        profile_scope(cast.store_a),
    ):
        job_cancel(job=job)
        assert WebhookEvent.all_objects.count() == 1  # written, in the transaction
        raise RuntimeError("the request fails after the cancel")
    assert reload(job).status == JobStatus.QUEUED
    assert WebhookEvent.all_objects.count() == WebhookDelivery.all_objects.count() == 0
    assert callbacks == [] and hook_receiver.state.received == []


def test_a_receiver_answering_500_is_retried_with_backoff_and_the_job_is_unaffected(
    cast: Any, hook_receiver: Any, sync_queue: None
) -> None:
    hook_receiver.state.status = 500
    webhook, secret = _webhook(cast.store_a, url_of(hook_receiver), ["job.succeeded"])
    job = _succeeding_job(cast.store_a)

    assert run(job) == "succeeded"  # the test's transaction never commits: nothing sent yet
    assert reload(job).status == JobStatus.SUCCEEDED and reload(job).error == ""
    assert hook_receiver.state.received == []
    delivery = WebhookDelivery.all_objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)

    assert tasks.deliver(str(delivery.pk)) == "failed: HTTP 500"
    delays = []
    for _ in range(5):
        delivery.refresh_from_db()
        last = timezone.datetime.fromisoformat(delivery.log[-1]["at"])
        if delivery.status != DeliveryStatus.PENDING:
            break
        delays.append(round((delivery.next_attempt_at - last).total_seconds()))
        assert deliveries_send_due() == 0  # not due yet
        WebhookDelivery.all_objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert deliveries_send_due() == 1  # the minute sweep queues it; the sync queue runs it
    delivery.refresh_from_db()

    assert delays == [30, 90, 270, 810, 2430] == [round(d) for d in retry_delays()]
    assert 50 * 60 <= sum(delays) <= 70 * 60  # six attempts over about an hour
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.FAILED, 6, 500)
    assert [entry["response_status"] for entry in delivery.log] == [500] * 6
    got = hook_receiver.state.received
    assert len(got) == 6 and len({r.headers["webhook-id"] for r in got}) == 1  # one message, six tries
    assert all(_verified(secret, r)["type"] == "job.succeeded" for r in got)
    webhook.refresh_from_db()
    assert webhook.failure_streak == 1 and webhook.is_active
    assert reload(job).status == JobStatus.SUCCEEDED and reload(job).error == ""


def test_twenty_failed_deliveries_in_a_row_turn_the_endpoint_off(cast: Any, hook_receiver: Any, settings: Any) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 1  # each delivery fails at its first attempt
    webhook, _ = _webhook(cast.store_a, url_of(hook_receiver), ["job.failed"])

    def emit(n: int) -> Any:
        """One event, delivered by the worker's entry point (the queue itself is other tests')."""
        with profile_scope(cast.store_a):
            event = webhook_event_emit(event_type="job.failed", data=lambda: {"job": {"id": n}})
        for delivery in WebhookDelivery.all_objects.filter(event=event):
            tasks.deliver(str(delivery.pk))
        return event

    hook_receiver.state.status = 500
    for n in range(3):
        emit(n)
    hook_receiver.state.status = 200
    emit(3)
    webhook.refresh_from_db()
    assert webhook.failure_streak == 0  # a success resets the count
    hook_receiver.state.status = 500
    for n in range(19):
        emit(n)
    webhook.refresh_from_db()
    assert webhook.is_active and webhook.failure_streak == 19
    emit(19)
    webhook.refresh_from_db()
    assert not webhook.is_active and webhook.failure_streak == 20
    assert "after 20 deliveries in a row failed" in webhook.disabled_reason and "HTTP 500" in webhook.disabled_reason
    shown = api_client_for(cast.alice, cast.store_a).get(f"/api/v1/webhooks/{webhook.pk}/").json()
    assert shown["is_active"] is False and shown["disabled_reason"] == webhook.disabled_reason
    sent = len(hook_receiver.state.received)
    assert emit(20) is None and len(hook_receiver.state.received) == sent  # off: nothing more is sent
    again = api_client_for(cast.alice, cast.store_a).patch(f"/api/v1/webhooks/{webhook.pk}/", {"is_active": True})
    assert again.status_code == 200 and again.json()["disabled_reason"] == "" and again.json()["failure_streak"] == 0


def test_deliveries_are_logged_and_can_be_replayed(
    cast: Any, hook_receiver: Any, sync_queue: None, django_capture_on_commit_callbacks: Any
) -> None:
    webhook, secret = _webhook(cast.store_a, url_of(hook_receiver), ["job.succeeded"])
    client = api_client_for(cast.alice, cast.store_a)
    with django_capture_on_commit_callbacks(execute=True):
        run(_succeeding_job(cast.store_a))
    log = client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").json()
    assert log["count"] == 1
    first = log["results"][0]
    assert (first["status"], first["attempts"], first["response_status"]) == ("succeeded", 1, 200)
    assert first["event_type"] == "job.succeeded" and isinstance(first["duration_ms"], int)
    assert first["log"][0]["response_status"] == 200

    with django_capture_on_commit_callbacks(execute=True):
        replay = client.post(f"/api/v1/webhooks/{webhook.pk}/deliveries/{first['id']}/replay/")
    assert replay.status_code == 202, replay.content
    assert replay.json()["replay_of"] == first["id"]
    got = hook_receiver.state.received
    assert len(got) == 2 and got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    assert _verified(secret, got[1])["data"] == _verified(secret, got[0])["data"]
    assert client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").json()["count"] == 2
    detail = client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/{replay.json()['id']}/").json()
    assert detail["status"] == "succeeded"
    # A delivery still being attempted is not replayed.
    WebhookDelivery.all_objects.filter(pk=first["id"]).update(status=DeliveryStatus.PENDING)
    assert client.post(f"/api/v1/webhooks/{webhook.pk}/deliveries/{first['id']}/replay/").status_code == 409


def test_ping_sends_a_signed_test_event(
    cast: Any, hook_receiver: Any, sync_queue: None, django_capture_on_commit_callbacks: Any
) -> None:
    webhook, secret = _webhook(cast.store_a, url_of(hook_receiver), ["clip.rendered"])
    Webhook.all_objects.filter(pk=webhook.pk).update(is_active=False)  # a ping checks a receiver before turning it on
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(cast.alice, cast.store_a).post(f"/api/v1/webhooks/{webhook.pk}/ping/")
    assert response.status_code == 202, response.content
    payload = _verified(secret, hook_receiver.state.received[0])
    assert payload["type"] == "webhook.ping" and payload["data"]["webhook"]["id"] == str(webhook.pk)
    assert WebhookDelivery.all_objects.get().status == DeliveryStatus.SUCCEEDED


def test_the_connection_follows_the_outbound_rule_too(
    cast: Any, hook_receiver: Any, sync_queue: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Saved while loopback was allowed; once it is not, the delivery is refused at connect time."""
    _webhook(cast.store_a, url_of(hook_receiver), ["job.succeeded"])
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with django_capture_on_commit_callbacks(execute=True):
        run(_succeeding_job(cast.store_a))
    delivery = WebhookDelivery.all_objects.get()
    assert hook_receiver.state.received == []
    assert delivery.response_status is None and "loopback" in delivery.error


def test_the_minute_sweep_prunes_old_finished_deliveries_hourly(cast: Any) -> None:
    now = timezone.now()
    old = WebhookDeliveryFactory(
        profile=cast.store_a, status=DeliveryStatus.FAILED, finished_at=now - timedelta(days=31)
    )
    recent = WebhookDeliveryFactory(profile=cast.store_a, status=DeliveryStatus.SUCCEEDED, finished_at=now)
    waiting = WebhookDeliveryFactory(profile=cast.store_b, next_attempt_at=now + timedelta(hours=1))
    WebhookEvent.all_objects.filter(pk=old.event_id).update(created_at=now - timedelta(days=31))
    assert tasks.send_due() == "queued 0 deliveries, pruned 1"
    assert tasks.send_due() == "queued 0 deliveries"  # at most once an hour
    assert not WebhookDelivery.all_objects.filter(pk=old.pk).exists()
    assert not WebhookEvent.all_objects.filter(pk=old.event_id).exists()
    assert WebhookDelivery.all_objects.filter(pk__in=[recent.pk, waiting.pk]).count() == 2
