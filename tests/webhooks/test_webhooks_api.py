"""/api/v1/webhooks/: the secret (Standard Webhooks' whsec_ + base64 of random bytes) is shown on
create and on rotate only, encrypted at rest, never logged nor shown by the admin; URLs follow the
outbound rule at save time; bad input is a 400; another profile's webhook or delivery is a 404."""

from __future__ import annotations

import base64
import logging
import re
from typing import Any

import pytest
from django.db import connection

from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.factories import WebhookDeliveryFactory, WebhookFactory
from tests.fakes.receiver import url_of
from webhooks.models import Webhook
from webhooks.signing import signature

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks/"
PUBLIC = "https://93.184.215.14/hooks"  # a public address literal: no DNS lookup in the tests


def _stored_secret(webhook_id: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhook WHERE id = %s", [webhook_id])
        return str(cursor.fetchone()[0])


def test_the_secret_is_shown_once_encrypted_at_rest_and_never_logged(
    cast: Any, admin_client: Any, caplog: pytest.LogCaptureFixture, hook_receiver: Any, sync_queue: None,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    client = api_client_for(cast.alice, cast.store_a)
    created = client.post(URL, {"url": url_of(hook_receiver), "events": ["job.succeeded", "clip.rendered"]},
                          format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["secret"]
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]+={0,2}", secret)
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert body["events"] == ["job.succeeded", "clip.rendered"] and body["is_active"] is True
    stored = _stored_secret(body["id"])
    assert stored.startswith("fernet:") and secret not in stored and secret.removeprefix("whsec_") not in stored

    rotated = client.post(f"{URL}{body['id']}/rotate-secret/")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != secret and new_secret.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{URL}{body['id']}/ping/").status_code == 202
    sent = hook_receiver.state.received[0]
    signed = signature(secret=new_secret, message_id=sent.headers["webhook-id"],
                       timestamp=int(sent.headers["webhook-timestamp"]), body=sent.body)  # fmt: skip
    assert sent.headers["webhook-signature"] == signed  # signed with the new secret, not the old one

    pages = [
        client.get(URL).content, client.get(f"{URL}{body['id']}/").content,
        client.patch(f"{URL}{body['id']}/", {"description": "shop"}, format="json").content,
        client.get(f"{URL}{body['id']}/deliveries/").content,
        admin_client.get(f"/admin/webhooks/webhook/{body['id']}/change/").content,
        admin_client.get("/admin/webhooks/webhook/").content,
    ]  # fmt: skip
    for page in pages:
        for shown in (secret, new_secret, secret.removeprefix("whsec_"), new_secret.removeprefix("whsec_")):
            assert shown.encode() not in page
    for shown in (secret, new_secret, new_secret.removeprefix("whsec_")):
        assert shown not in caplog.text


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[::ffff:192.168.0.1]/hook", "private"),
        ("ftp://93.184.215.14/hook", "http"),
        ("not a url", "http"),
    ],
)
def test_a_private_or_odd_url_is_a_400(cast: Any, settings: Any, url: str, why: str) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = []
    client = api_client_for(cast.alice, cast.store_a)
    response = client.post(URL, {"url": url, "events": ["job.failed"]}, format="json")
    assert response.status_code == 400, response.content
    assert why in response.json()["url"][0]
    own = WebhookFactory(profile=cast.store_a)
    patched = client.patch(f"{URL}{own.pk}/", {"url": url}, format="json")
    assert patched.status_code == 400
    assert Webhook.all_objects.count() == 1 and Webhook.all_objects.get().url == own.url


@pytest.mark.parametrize(
    "body",
    [
        {"url": PUBLIC, "events": []},
        {"url": PUBLIC, "events": ["job.exploded"]},
        {"url": PUBLIC, "events": "job.failed"},
        {"url": PUBLIC, "events": ["webhook.ping"]},
        {"url": PUBLIC + "/" + "x" * 600, "events": ["job.failed"]},
        {"url": ["https://a"], "events": ["job.failed"]},
        {"url": PUBLIC, "events": ["job.failed"], "is_active": "maybe"},
        {"events": ["job.failed"]},
    ],
)
def test_bad_bodies_are_a_400_and_write_nothing(cast: Any, body: dict[str, Any]) -> None:
    response = api_client_for(cast.alice, cast.store_a).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert not Webhook.all_objects.exists()


def test_crud_and_ownership(cast: Any) -> None:
    client = api_client_for(cast.alice, cast.store_a)
    created = client.post(URL, {"url": PUBLIC, "events": ["job.failed", "job.failed"], "description": "ERP"},
                          format="json").json()  # fmt: skip
    assert created["events"] == ["job.failed"]  # duplicates dropped
    assert client.put(f"{URL}{created['id']}/", {"url": PUBLIC + "/v2", "events": ["publication.published"]},
                      format="json").json()["url"] == PUBLIC + "/v2"  # fmt: skip
    listed = client.get(URL).json()
    assert [w["id"] for w in listed["results"]] == [created["id"]] and "secret" not in listed["results"][0]
    # Another store of the same user, and another user: their webhooks and deliveries are not found.
    for other in (cast.store_b, cast.bob_store):
        theirs = WebhookDeliveryFactory(profile=other)
        for method, path in [
            ("get", f"{URL}{theirs.webhook_id}/"), ("delete", f"{URL}{theirs.webhook_id}/"),
            ("post", f"{URL}{theirs.webhook_id}/ping/"), ("post", f"{URL}{theirs.webhook_id}/rotate-secret/"),
            ("get", f"{URL}{theirs.webhook_id}/deliveries/"),
            ("get", f"{URL}{theirs.webhook_id}/deliveries/{theirs.pk}/"),
            ("post", f"{URL}{theirs.webhook_id}/deliveries/{theirs.pk}/replay/"),
            # alice's own webhook with another profile's delivery: not found either
            ("get", f"{URL}{created['id']}/deliveries/{theirs.pk}/"),
            ("post", f"{URL}{created['id']}/deliveries/{theirs.pk}/replay/"),
        ]:  # fmt: skip
            assert getattr(client, method)(path).status_code == 404, (method, path)
        with profile_scope(other):
            assert Webhook.objects.filter(pk=theirs.webhook_id).exists()
    assert client.delete(f"{URL}{created['id']}/").status_code == 204
    assert not Webhook.all_objects.filter(pk=created["id"]).exists()


def test_a_put_without_is_active_keeps_the_endpoint_off(cast: Any) -> None:
    client = api_client_for(cast.alice, cast.store_a)
    created = client.post(URL, {"url": PUBLIC, "events": ["job.failed"], "is_active": False}, format="json").json()
    assert created["is_active"] is False
    changed = client.put(f"{URL}{created['id']}/", {"url": PUBLIC + "/v2", "events": ["job.failed"]}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["is_active"] is False and Webhook.all_objects.get().is_active is False
    on = client.put(
        f"{URL}{created['id']}/", {"url": PUBLIC, "events": ["job.failed"], "is_active": True}, format="json"
    )
    assert on.json()["is_active"] is True
