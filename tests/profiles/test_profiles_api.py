from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection

from profiles.models import Profile
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.fakes.dns import FakeDNS
from tests.scopedapp.models import Note

URL = "/api/v1/profiles/"
KEY = "pz-live-5e3cr3t-k3y-do-not-leak"


def test_it_lists_only_the_users_profiles(cast: Any, alice_client: Any) -> None:
    names = [p["name"] for p in alice_client.get(URL).json()]
    assert names == ["Store A", "Store B"]


def test_create_validates_the_name(cast: Any, alice_client: Any) -> None:
    assert alice_client.post(URL, {"name": ""}, format="json").status_code == 400
    assert alice_client.post(URL, {"name": "x" * 101}, format="json").status_code == 400
    duplicate = alice_client.post(URL, {"name": "store a"}, format="json")
    assert duplicate.status_code == 400
    assert "already" in str(duplicate.json())
    # Names are unique per user, not globally.
    assert api_client_for(cast.bob).post(URL, {"name": "Store A"}, format="json").status_code == 201


def test_create_and_update_preferences(cast: Any, alice_client: Any) -> None:
    response = alice_client.post(
        URL,
        {
            "name": "Store C",
            "tts_provider": "espeak",
            "caption_style": {"preset": "karaoke"},
            "monthly_budget_usd": "12.50",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_default"] is False
    assert body["monthly_budget_usd"] == "12.50"
    patched = alice_client.patch(f"{URL}{body['id']}/", {"description": "Shoes"}, format="json")
    assert patched.json()["description"] == "Shoes"
    assert alice_client.patch(f"{URL}{body['id']}/", {"monthly_budget_usd": "-1"}, format="json").status_code == 400
    assert alice_client.patch(f"{URL}{body['id']}/", {"caption_style": [1, 2]}, format="json").status_code == 400
    assert alice_client.patch(f"{URL}{body['id']}/", {"tts_provider": "sam"}, format="json").status_code == 400


def test_set_default_moves_the_default(cast: Any, alice_client: Any) -> None:
    response = alice_client.post(f"{URL}{cast.store_b.pk}/set-default/")
    assert response.status_code == 200
    defaults = list(Profile.objects.filter(user=cast.alice, is_default=True).values_list("name", flat=True))
    assert defaults == ["Store B"]


def test_the_default_profile_cannot_be_deleted(cast: Any, alice_client: Any) -> None:
    response = alice_client.delete(f"{URL}{cast.store_a.pk}/")
    assert response.status_code == 400
    assert response.json()["detail"] == "Cannot delete default profile. Set another profile as default first."
    assert Profile.objects.filter(pk=cast.store_a.pk).exists()


def test_deleting_a_profile_removes_its_rows_and_files(
    cast: Any, alice_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with profile_scope(cast.store_b):
        Note.objects.create(title="b")
    with profile_scope(cast.store_a):
        Note.objects.create(title="a")
    folder = settings.MEDIA_ROOT / str(cast.store_b.pk)
    folder.mkdir(parents=True)
    (folder / "clip.mp4").write_bytes(b"x")
    kept = settings.MEDIA_ROOT / str(cast.store_a.pk)
    kept.mkdir(parents=True, exist_ok=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.delete(f"{URL}{cast.store_b.pk}/")

    assert response.status_code == 204
    assert not Profile.objects.filter(pk=cast.store_b.pk).exists()
    assert list(Note.all_objects.values_list("title", flat=True)) == ["a"]
    assert not folder.exists()
    assert kept.exists()


def test_the_postiz_key_is_encrypted_write_only_and_never_logged(
    cast: Any, alice_client: Any, caplog: Any, monkeypatch: Any
) -> None:
    FakeDNS.install(monkeypatch, {"postiz.example.com": ["93.184.215.14"]})  # a public host, offline
    caplog.set_level(logging.DEBUG)
    response = alice_client.patch(
        f"{URL}{cast.store_a.pk}/",
        {"postiz_api_url": "https://postiz.example.com/api", "postiz_api_key": KEY},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["postiz_configured"] is True
    assert "postiz_api_key" not in response.json()
    with connection.cursor() as cursor:
        cursor.execute("SELECT postiz_api_key FROM profiles_profile WHERE id = %s", [cast.store_a.pk])
        raw = cursor.fetchone()[0]
    assert raw and KEY not in raw and raw.startswith("fernet:")
    assert Profile.objects.get(pk=cast.store_a.pk).postiz_api_key == KEY
    for path in (URL, f"{URL}{cast.store_a.pk}/", "/api/v1/auth/me/"):
        assert KEY not in alice_client.get(path).content.decode()
    assert KEY not in caplog.text
