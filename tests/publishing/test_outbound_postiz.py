"""Hardening of the Postiz side (issue 14):

- point 3, connect time: the install connects only to the address it checked, so a URL saved
  before the rule, or a name that turns private after it was saved (DNS rebinding), reaches
  nothing; Postiz's error bodies are not echoed back beyond a short, sanitised reason;
- point 4: a release URL that is not http(s) (`javascript:alert(1)`) is not stored and no
  admin page links one;
- point 12: a stored Postiz key that an HTTP header cannot carry answers a clear 400, not 500.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.cache import cache
from django.test import Client

from library.models import Clip, Project
from profiles.models import Profile
from profiles.tenancy import profile_scope
from publishing.models import Publication, PublicationStatus
from publishing.postiz import PostItem, PostizClient, PostizError, build_settings
from tests.conftest import api_client_for
from tests.fakes.dns import FakeDNS
from tests.fakes.postiz import KEY_A, PostizHandler, default_state
from tests.fakes.server import Running, running

PUB = "/api/v1/publishing/"
PUBLIC = "93.184.215.14"


@pytest.fixture
def fake() -> Iterator[Running]:
    cache.clear()
    with running(PostizHandler, default_state()) as server:
        yield server


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every TCP connection the process opens; those to a public address fail (no internet)."""
    seen: list[Any] = []
    real = socket.create_connection

    def spy(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        seen.append(tuple(address))
        if address[0] not in ("127.0.0.1", "localhost"):
            raise OSError(101, "Network is unreachable")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy)
    return seen


def _store(profile: Any, *, url: str, key: str) -> None:
    """Set the profile's Postiz as a row saved before the rules would (no validation)."""
    Profile.objects.filter(pk=profile.pk).update(postiz_api_url=url)
    row = Profile.objects.get(pk=profile.pk)
    row.postiz_api_key = key
    row.save(update_fields=["postiz_api_key"])


def test_a_stored_loopback_url_is_refused_when_connecting(cast: Any, fake: Running, settings: Any) -> None:
    _store(cast.store_a, url=fake.url, key=KEY_A)
    _submitted(cast.store_a, fake)  # so that sync/ has something to ask Postiz about
    before = len(fake.state.calls)
    settings.OUTBOUND_ALLOWED_HOSTS = []  # the fake is a loopback service like any other now
    client = api_client_for(cast.alice)
    for method, path in (("get", "status/"), ("get", "integrations/"), ("post", "sync/")):
        response = getattr(client, method)(f"{PUB}{path}")
        assert response.status_code == 400, (path, response.content)
        assert response.json()["code"] == "postiz_not_configured"
        assert "EDITAI_OUTBOUND_ALLOWED_HOSTS" in response.json()["detail"]
    assert len(fake.state.calls) == before  # not one request reached the loopback service
    assert "loopback" in Profile.objects.get(pk=cast.store_a.pk).postiz_error


def test_a_name_that_turns_private_after_saving_is_refused_before_connecting(
    cast: Any, fake: Running, settings: Any, monkeypatch: pytest.MonkeyPatch, connects: list[Any]
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = []
    port = fake.server.server_address[1]
    dns = FakeDNS.install(monkeypatch, {"postiz.rebind.test": [PUBLIC, "127.0.0.1"]})
    client = api_client_for(cast.alice)
    saved = client.patch(
        f"/api/v1/profiles/{cast.store_a.pk}/",
        {"postiz_api_url": f"http://postiz.rebind.test:{port}", "postiz_api_key": KEY_A},
        format="json",
    )
    assert saved.status_code == 200, saved.content  # public when saved

    response = client.get(f"{PUB}integrations/")

    assert response.status_code == 400, response.content
    assert "loopback" in response.json()["detail"]
    assert dns.lookups == ["postiz.rebind.test", "postiz.rebind.test"]  # once at save, once at connect
    assert connects == []
    assert fake.state.calls == []


def test_it_connects_to_the_address_it_checked(
    settings: Any, monkeypatch: pytest.MonkeyPatch, connects: list[Any]
) -> None:
    """One lookup per connection, and the socket opens to that answer: a second lookup (which
    a rebinding server would answer with 127.0.0.1) never happens."""
    settings.OUTBOUND_ALLOWED_HOSTS = []
    dns = FakeDNS.install(monkeypatch, {"postiz.pinned.test": [PUBLIC, "127.0.0.1"]})
    client = PostizClient(base_url="http://postiz.pinned.test:8123", api_key=KEY_A, timeout=2)
    with client, pytest.raises(PostizError) as caught:
        client.is_connected()
    assert caught.value.code == "unreachable"
    assert dns.lookups == ["postiz.pinned.test"]
    assert connects == [(PUBLIC, 8123)]


def test_https_keeps_the_host_name_for_sni_and_the_certificate(
    settings: Any, monkeypatch: pytest.MonkeyPatch, connects: list[Any], tmp_path: Path
) -> None:
    """Pinning the address must not pin the TLS name: the client hello names the host, and the
    certificate is checked against it (here it is self-signed, so the check fails)."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["postiz.pinned.test"]
    FakeDNS.install(monkeypatch, {"postiz.pinned.test": ["127.0.0.1"]})
    names: list[str | None] = []
    with _tls_server(tmp_path, names) as port:
        client = PostizClient(base_url=f"https://postiz.pinned.test:{port}", api_key=KEY_A, timeout=2)
        with client, pytest.raises(PostizError) as caught:
            client.is_connected()
    assert connects == [("127.0.0.1", port)]
    assert names == ["postiz.pinned.test"]
    assert caught.value.code == "unreachable"


@contextmanager
def _tls_server(tmp_path: Path, names: list[str | None]) -> Iterator[int]:
    """A loopback TLS listener with a self-signed certificate that records the SNI it receives."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "postiz.pinned.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("postiz.pinned.test")]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    pem = tmp_path / "server.pem"
    pem.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    context.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment,return-value]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with contextlib.suppress(OSError, ssl.SSLError), context.wrap_socket(conn, server_side=True):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        thread.join(timeout=5)
        listener.close()


def test_an_allowed_lan_postiz_is_called(cast: Any, fake: Running, settings: Any) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{fake.server.server_address[1]}"]
    _store(cast.store_a, url=fake.url, key=KEY_A)
    response = api_client_for(cast.alice).get(f"{PUB}status/")
    assert response.status_code == 200, response.content
    assert response.json()["key_accepted"] is True


@pytest.mark.parametrize("key", ["ключ-postiz-1234", "pz-key-\u20ac-euro", "pz-clé-latin1"])
def test_a_stored_key_an_http_header_cannot_carry_answers_400_not_500(cast: Any, fake: Running, key: str) -> None:
    # Issue 14, point 12: the live fuzz run found these two reads answering 500.
    _store(cast.store_a, url=fake.url, key=key)
    client = api_client_for(cast.alice)
    for path in ("status/", "integrations/"):
        response = client.get(f"{PUB}{path}")
        assert response.status_code == 400, (path, response.content)
        assert response.json()["code"] == "postiz_not_configured"
        assert "key" in response.json()["detail"] and key not in response.json()["detail"]
    assert fake.state.calls == []


def test_postiz_error_bodies_are_not_echoed() -> None:
    page = "<html><body>internal admin console: db password hunter2</body></html>"
    transport = httpx.MockTransport(lambda request: httpx.Response(500, text=page))
    client = PostizClient(base_url="https://postiz.example.com", api_key=KEY_A, transport=transport)
    with client, pytest.raises(PostizError) as caught:
        client.list_integrations()
    assert str(caught.value) == "Postiz is unavailable (HTTP 500)"


def test_postiz_error_messages_are_short_and_plain() -> None:
    message = "bad\x1b[31m value\r\nX-Injected: 1 " + "x" * 2000
    transport = httpx.MockTransport(lambda request: httpx.Response(400, json={"message": [message]}))
    client = PostizClient(base_url="https://postiz.example.com", api_key=KEY_A, transport=transport)
    with client, pytest.raises(PostizError) as caught:
        client.list_integrations()
    text = str(caught.value)
    assert text.startswith("Postiz rejected the request (HTTP 400): bad")
    assert len(text) <= 300
    assert not any(ord(char) < 32 for char in text)


# -- release URLs (issue 14, point 4) ------------------------------------------------------


def _submitted(profile: Any, fake: Running) -> Publication:
    """A publication Postiz accepted (the post exists in the fake), waiting for reconciliation."""
    settings = build_settings("threads", caption="Hello", overrides=None)
    with PostizClient(base_url=fake.url, api_key=KEY_A, timeout=5) as client:
        created = client.create_post(
            type="now", date=datetime(2031, 5, 1, tzinfo=UTC),
            posts=[PostItem(integration_id="a-threads", content="Hello", settings=settings)],
        )  # fmt: skip
    with profile_scope(profile):
        project = Project.objects.create(name="Launch")
        clip = Clip.objects.create(project=project, variant_index=1)
        return Publication.objects.create(
            clip=clip, integration_id="a-threads", integration_identifier="threads", status=PublicationStatus.SUBMITTED,
            group=created[0].group, postiz_post_id=created[0].post_id, submitted_at=datetime(2031, 5, 1, tzinfo=UTC),
            scheduled_at=datetime(2031, 5, 1, tzinfo=UTC),
        )  # fmt: skip


def _admin_pages(admin: Client, publication: Publication) -> str:
    pages = [admin.get("/admin/publishing/publication/"), admin.get(
        f"/admin/publishing/publication/{publication.pk}/change/")]  # fmt: skip
    assert [page.status_code for page in pages] == [200, 200]
    return "".join(page.content.decode() for page in pages)


@pytest.mark.parametrize("planted", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>"])
def test_a_release_url_that_is_not_http_is_not_stored_or_linked(
    cast: Any, fake: Running, admin_client: Client, planted: str
) -> None:
    _store(cast.store_a, url=fake.url, key=KEY_A)
    publication = _submitted(cast.store_a, fake)
    fake.state.publish(publication.group, planted)

    counts = api_client_for(cast.alice).post(f"{PUB}sync/").json()

    assert counts == {"checked": 1, "published": 1, "failed": 0}
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.PUBLISHED and publication.release_url == ""
    html = _admin_pages(admin_client, publication).lower()
    assert 'href="javascript:' not in html and 'href="data:' not in html


def test_a_release_url_stored_before_the_check_is_shown_but_never_linked(
    cast: Any, fake: Running, admin_client: Client
) -> None:
    _store(cast.store_a, url=fake.url, key=KEY_A)
    publication = _submitted(cast.store_a, fake)
    Publication.all_objects.filter(pk=publication.pk).update(release_url="javascript:alert(1)")
    html = _admin_pages(admin_client, publication)
    assert 'href="javascript:' not in html.lower()
    assert "javascript:alert(1)" in html  # shown as text, so staff can see what Postiz sent


def test_an_https_release_url_is_stored_and_linked(cast: Any, fake: Running, admin_client: Client) -> None:
    _store(cast.store_a, url=fake.url, key=KEY_A)
    publication = _submitted(cast.store_a, fake)
    fake.state.publish(publication.group, "https://www.threads.net/@store/post/1")
    api_client_for(cast.alice).post(f"{PUB}sync/")
    publication.refresh_from_db()
    assert publication.release_url == "https://www.threads.net/@store/post/1"
    assert 'href="https://www.threads.net/@store/post/1"' in _admin_pages(admin_client, publication)
