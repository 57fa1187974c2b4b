"""A tenant's Postiz URL is refused when saved if it is not http(s) or points at a loopback,
private, link-local, CGNAT, multicast, reserved or cloud-metadata address, unless the operator
lists its host in EDITAI_OUTBOUND_ALLOWED_HOSTS (issue 14, point 3: save time).

The test settings allow the loopback fakes (127.0.0.1, localhost); these tests empty the list."""

from __future__ import annotations

from typing import Any

import pytest

from profiles.models import Profile
from tests.fakes.dns import FakeDNS

URL = "/api/v1/profiles/"

REFUSED = [
    ("http://127.0.0.1:5000/", "loopback"),
    ("http://127.9.8.7/", "loopback"),
    ("http://[::1]:8080/", "loopback"),
    ("http://10.1.2.3/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://192.168.1.10/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://169.254.10.10/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://100.64.0.1/", "CGNAT"),
    ("http://100.127.255.254/", "CGNAT"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://0.0.0.0:8000/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://240.0.0.1/", "reserved"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[::ffff:169.254.169.254]/", "metadata"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://localhost:3000/", "loopback"),
]


@pytest.fixture
def nothing_allowed(settings: Any) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = []


@pytest.mark.parametrize(("url", "kind"), REFUSED)
def test_it_refuses_a_postiz_url_on_a_non_public_address(
    cast: Any, alice_client: Any, nothing_allowed: None, url: str, kind: str
) -> None:
    response = alice_client.patch(f"{URL}{cast.store_a.pk}/", {"postiz_api_url": url}, format="json")
    assert response.status_code == 400, response.content
    message = response.json()["postiz_api_url"][0]
    assert kind in message
    assert "EDITAI_OUTBOUND_ALLOWED_HOSTS" in message  # the operator learns how to allow a LAN Postiz
    assert Profile.objects.get(pk=cast.store_a.pk).postiz_api_url == ""


def test_it_refuses_a_name_that_resolves_to_a_private_address(
    cast: Any, alice_client: Any, nothing_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeDNS.install(monkeypatch, {"postiz.corp.example": ["10.20.30.40"]})
    response = alice_client.patch(
        f"{URL}{cast.store_a.pk}/", {"postiz_api_url": "https://postiz.corp.example/api"}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["postiz_api_url"][0]
    assert "private" in message and "10.20.30.40" not in message  # the internal address is not revealed


def test_it_refuses_a_name_with_any_private_answer(
    cast: Any, alice_client: Any, nothing_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeDNS.install(monkeypatch, {"postiz.mixed.example": [["93.184.215.14", "127.0.0.1"]]})
    response = alice_client.patch(
        f"{URL}{cast.store_a.pk}/", {"postiz_api_url": "https://postiz.mixed.example"}, format="json"
    )
    assert response.status_code == 400
    assert "loopback" in response.json()["postiz_api_url"][0]


def test_it_refuses_a_host_that_does_not_resolve(
    cast: Any, alice_client: Any, nothing_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def nowhere(*args: Any, **kwargs: Any) -> list[Any]:
        raise OSError(-2, "Name or service not known")

    monkeypatch.setattr("socket.getaddrinfo", nowhere)
    response = alice_client.patch(
        f"{URL}{cast.store_a.pk}/", {"postiz_api_url": "https://postiz.nowhere.example"}, format="json"
    )
    assert response.status_code == 400
    assert "could not be resolved" in response.json()["postiz_api_url"][0]


@pytest.mark.parametrize("url", ["ftp://postiz.example.com/", "file:///etc/passwd", "gopher://127.0.0.1:6379/"])
def test_it_refuses_schemes_other_than_http_and_https(cast: Any, alice_client: Any, url: str) -> None:
    response = alice_client.patch(f"{URL}{cast.store_a.pk}/", {"postiz_api_url": url}, format="json")
    assert response.status_code == 400
    assert "postiz_api_url" in response.json()


def test_it_accepts_a_public_host(
    cast: Any, alice_client: Any, nothing_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeDNS.install(monkeypatch, {"postiz.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    response = alice_client.patch(
        f"{URL}{cast.store_a.pk}/", {"postiz_api_url": "https://postiz.example.com/api"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["postiz_api_url"] == "https://postiz.example.com/api"


@pytest.mark.parametrize(
    ("allowed", "url"),
    [
        (["postiz.lan"], "http://postiz.lan:5000/"),
        (["postiz.lan:5000"], "http://postiz.lan:5000/"),
        (["192.168.1.20"], "http://192.168.1.20/"),
        (["[::1]:8080"], "http://[::1]:8080/"),
    ],
)
def test_the_operator_allows_a_lan_postiz_by_host_or_host_and_port(
    cast: Any, alice_client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, allowed: list[str], url: str
) -> None:
    FakeDNS.install(monkeypatch, {"postiz.lan": ["192.168.1.20"]})
    settings.OUTBOUND_ALLOWED_HOSTS = allowed
    response = alice_client.patch(f"{URL}{cast.store_a.pk}/", {"postiz_api_url": url}, format="json")
    assert response.status_code == 200, response.content


def test_an_allowed_host_with_another_port_is_still_refused(
    cast: Any, alice_client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeDNS.install(monkeypatch, {"postiz.lan": ["192.168.1.20"]})
    settings.OUTBOUND_ALLOWED_HOSTS = ["postiz.lan:5000"]
    response = alice_client.patch(
        f"{URL}{cast.store_a.pk}/", {"postiz_api_url": "http://postiz.lan:6379/"}, format="json"
    )
    assert response.status_code == 400


def test_a_new_profile_is_checked_too(cast: Any, alice_client: Any, nothing_allowed: None) -> None:
    response = alice_client.post(URL, {"name": "Metadata", "postiz_api_url": "http://169.254.169.254/"}, format="json")
    assert response.status_code == 400
    assert not Profile.objects.filter(name="Metadata").exists()


def test_renaming_a_profile_does_not_check_its_saved_url_again(
    cast: Any, alice_client: Any, nothing_allowed: None
) -> None:
    # A URL saved while it was allowed (or before the rule) does not block unrelated edits;
    # it is refused where it matters, when the install connects to it.
    Profile.objects.filter(pk=cast.store_a.pk).update(postiz_api_url="http://127.0.0.1:9/")
    response = alice_client.patch(f"{URL}{cast.store_a.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("key", ["ключ-postiz-1234", "pz-key-\u20ac-euro", "pz-clé-latin1", "pz-key\nX-Evil: 1"])
def test_it_refuses_a_postiz_key_that_an_http_header_cannot_carry(cast: Any, alice_client: Any, key: str) -> None:
    # Issue 14, point 12: such a key used to be saved, then every Postiz call answered 500.
    response = alice_client.patch(f"{URL}{cast.store_a.pk}/", {"postiz_api_key": key}, format="json")
    assert response.status_code == 400, response.content
    message = response.json()["postiz_api_key"][0]
    assert key not in message
    assert Profile.objects.get(pk=cast.store_a.pk).postiz_api_key == ""


def test_the_admin_refuses_a_private_postiz_url_too(cast: Any, admin_client: Any, nothing_allowed: None) -> None:
    page = f"/admin/profiles/profile/{cast.store_a.pk}/change/"
    form = {
        "name": cast.store_a.name, "is_default": "on", "description": "", "monthly_budget_usd": "", "tts_provider": "",
        "tts_voice_id": "", "tts_settings": "{}", "caption_style": "{}",
        "postiz_api_url": "http://169.254.169.254/",
    }  # fmt: skip
    response = admin_client.post(page, form)
    assert response.status_code == 200  # the form again, with the error
    assert "EDITAI_OUTBOUND_ALLOWED_HOSTS" in response.content.decode()
    assert Profile.objects.get(pk=cast.store_a.pk).postiz_api_url == ""
