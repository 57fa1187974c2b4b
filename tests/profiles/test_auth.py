from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.backends import TokenBackend

from profiles.tenancy import profile_scope
from tests.conftest import PASSWORD, api_client_for
from tests.scopedapp.models import Note

AUTH = "/api/v1/auth/"


def _tokens(username: str = "alice", password: str = PASSWORD) -> Any:
    return APIClient().post(f"{AUTH}token/", {"username": username, "password": password}, format="json")


def test_register_creates_the_user_and_a_default_profile(db: Any) -> None:
    response = APIClient().post(
        f"{AUTH}register/",
        {"username": "dana", "email": "dana@example.com", "password": "a-long-passphrase"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "dana"
    assert body["default_profile"]["is_default"] is True
    assert "password" not in body


def test_register_refuses_weak_passwords_and_taken_names(cast: Any) -> None:
    weak = APIClient().post(
        f"{AUTH}register/", {"username": "eve", "email": "e@example.com", "password": "123"}, format="json"
    )
    assert weak.status_code == 400
    taken = APIClient().post(
        f"{AUTH}register/",
        {"username": "alice", "email": "a@example.com", "password": "a-long-passphrase"},
        format="json",
    )
    assert taken.status_code == 400
    assert "username" in taken.json()


def test_token_and_me(cast: Any) -> None:
    tokens = _tokens().json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = client.get(f"{AUTH}me/").json()
    assert me["username"] == "alice"
    assert sorted(p["name"] for p in me["profiles"]) == ["Store A", "Store B"]
    assert _tokens(password="wrong").status_code == 401


def test_a_refresh_token_works_once(cast: Any) -> None:
    refresh = _tokens().json()["refresh"]
    first = APIClient().post(f"{AUTH}token/refresh/", {"refresh": refresh}, format="json")
    assert first.status_code == 200
    assert first.json()["refresh"] != refresh  # rotated
    again = APIClient().post(f"{AUTH}token/refresh/", {"refresh": refresh}, format="json")
    assert again.status_code == 401


def test_a_logged_out_refresh_token_is_rejected(cast: Any) -> None:
    refresh = _tokens().json()["refresh"]
    assert APIClient().post(f"{AUTH}logout/", {"refresh": refresh}, format="json").status_code == 204
    assert APIClient().post(f"{AUTH}token/refresh/", {"refresh": refresh}, format="json").status_code == 401
    assert APIClient().post(f"{AUTH}logout/", {"refresh": "garbage"}, format="json").status_code == 401


def test_one_token_decode_and_one_user_query_per_request(cast: Any, monkeypatch: Any) -> None:
    decodes = []
    real_decode = TokenBackend.decode

    def counting_decode(self: Any, token: Any, verify: bool = True) -> Any:
        decodes.append(token)
        return real_decode(self, token, verify)

    monkeypatch.setattr(TokenBackend, "decode", counting_decode)
    client = api_client_for(cast.alice, cast.store_b)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/test/notes/").status_code == 200
    assert len(decodes) == 1
    user_queries = [q["sql"] for q in queries.captured_queries if 'FROM "auth_user"' in q["sql"]]
    assert len(user_queries) == 1, user_queries


def test_list_query_count_is_constant_as_rows_grow(cast: Any, django_assert_num_queries: Any) -> None:
    client = api_client_for(cast.alice)
    with profile_scope(cast.store_a):
        Note.objects.create(title="first")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/test/notes/")
    with profile_scope(cast.store_a):
        Note.objects.bulk_create([Note(title=f"n{i}") for i in range(40)])
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get("/api/v1/test/notes/").json()["count"] == 41
