"""API keys: `Authorization: Api-Key <key>` acts as exactly one profile. The key is shown once and
stored hashed; revoked or expired keys stop working at once; read-only keys cannot write; keys
reach only profile-scoped routes; an X-Profile-Id naming any other profile is a 403; keys have
their own throttle; the admin shows the prefix only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework.test import APIClient

from library.models import Project
from profiles.models import ProfileAPIKey
from tests.conftest import api_client_for
from tests.factories import ProfileAPIKeyFactory, ProjectFactory

pytestmark = pytest.mark.django_db
PROJECTS = "/api/v1/library/projects/"


def _keys_url(profile: Any) -> str:
    return f"/api/v1/profiles/{profile.pk}/api-keys/"


def _with_key(key: str, **headers: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}", **headers)
    return client


def _create(cast: Any, profile: Any, **body: Any) -> dict[str, Any]:
    response = api_client_for(cast.alice).post(_keys_url(profile), {"name": "ERP", **body}, format="json")
    assert response.status_code == 201, response.content
    created: dict[str, Any] = response.json()
    return created


def test_a_key_authenticates_exactly_its_profile_until_revoked(cast: Any) -> None:
    ProjectFactory(profile=cast.store_a, name="A's launch")
    ProjectFactory(profile=cast.store_b, name="B's launch")
    created = _create(cast, cast.store_b)  # alice's second store, not her default
    assert set(created) == {"id", "name", "prefix", "key", "scopes", "created_at", "expires_at"}
    assert created["scopes"] == ["read", "write"] and created["key"].startswith(created["prefix"] + ".")
    machine = _with_key(created["key"])

    listed = machine.get(PROJECTS)
    assert listed.status_code == 200, listed.content
    assert [p["name"] for p in listed.json()["results"]] == ["B's launch"]
    made = machine.post(PROJECTS, {"name": "Made by the ERP"}, format="json")
    assert made.status_code == 201
    assert Project.all_objects.get(pk=made.json()["id"]).profile_id == cast.store_b.pk
    assert machine.get(PROJECTS, HTTP_X_PROFILE_ID=str(cast.store_b.pk)).status_code == 200  # its own: fine

    # Listed without the key or its hash; shown once only.
    keys = api_client_for(cast.alice).get(_keys_url(cast.store_b))
    assert keys.status_code == 200
    assert [k["prefix"] for k in keys.json()] == [created["prefix"]] and keys.json()[0]["last_used_at"]
    assert created["key"] not in keys.content.decode() and "hash" not in keys.content.decode()
    row = ProfileAPIKey.all_objects.get(pk=created["id"])
    assert created["key"] not in str(model_to_dict(row)) and row.hashed_key.startswith("sha512$$")

    assert api_client_for(cast.alice).delete(f"{_keys_url(cast.store_b)}{created['id']}/").status_code == 204
    refused = machine.get(PROJECTS)
    assert refused.status_code == 401 and refused.json()["code"] == "api_key_invalid"
    assert api_client_for(cast.alice).get(_keys_url(cast.store_b)).json() == []
    assert api_client_for(cast.alice).delete(f"{_keys_url(cast.store_b)}{created['id']}/").status_code == 404


def test_a_read_only_key_cannot_write(cast: Any) -> None:
    created = _create(cast, cast.store_a, scopes=["read"])
    assert created["scopes"] == ["read"]
    machine = _with_key(created["key"])
    assert machine.get(PROJECTS).status_code == 200
    for method in ("post", "put", "patch", "delete"):
        response = getattr(machine, method)(PROJECTS, {"name": "nope"}, format="json")
        assert response.status_code == 403, (method, response.content)
        assert response.json()["code"] == "api_key_read_only"
    assert not Project.all_objects.exists()
    assert _create(cast, cast.store_a, scopes=["write"])["scopes"] == ["read", "write"]  # write includes read


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/profiles/",
        "/api/v1/profiles/{profile}/",
        "/api/v1/profiles/{profile}/api-keys/",
        "/api/v1/profiles/{profile}/dashboard/",
        "/api/v1/auth/me/",
        "/api/v1/auth/token/refresh/",
    ],
)
def test_a_key_cannot_reach_profiles_api_keys_or_auth(cast: Any, path: str) -> None:
    machine = _with_key(_create(cast, cast.store_a)["key"])
    url = path.format(profile=cast.store_a.pk)
    for response in (machine.get(url), machine.post(url, {"name": "minted"}, format="json")):
        assert response.status_code == 403, (url, response.status_code)
        assert response.json()["code"] == "api_key_not_allowed"
    assert ProfileAPIKey.all_objects.count() == 1


def test_a_profile_header_naming_any_other_profile_is_a_403(cast: Any) -> None:
    machine = _with_key(_create(cast, cast.store_a)["key"])
    for other in (cast.store_b, cast.bob_store):  # the same user's other store included
        for method in ("get", "post"):
            response = getattr(machine, method)(PROJECTS, {"name": "x"}, format="json", HTTP_X_PROFILE_ID=str(other.pk))
            assert response.status_code == 403 and response.json()["detail"] == "Access denied to this profile"
    unknown = machine.get(PROJECTS, HTTP_X_PROFILE_ID="00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 403  # not a 404: a key learns nothing about other profiles
    assert machine.get(PROJECTS, HTTP_X_PROFILE_ID="not-a-uuid").status_code == 404
    assert not Project.all_objects.exists()


def test_expired_malformed_and_unknown_keys_are_401(cast: Any) -> None:
    created = _create(cast, cast.store_a, expires_at=(timezone.now() + timedelta(hours=1)).isoformat())
    assert _with_key(created["key"]).get(PROJECTS).status_code == 200
    ProfileAPIKey.all_objects.filter(pk=created["id"]).update(expiry_date=timezone.now() - timedelta(seconds=1))
    expired = _with_key(created["key"]).get(PROJECTS)
    assert expired.status_code == 401 and expired.json()["code"] == "api_key_expired"
    prefix = created["prefix"]
    for key in (
        "",
        "nonsense",
        f"{prefix}.wrong-secret",
        f"{prefix}.",
        ".x",
        "x" * 10_000,
        "🔑.🔑",
        created["key"] + "x",
    ):
        response = _with_key(key).get(PROJECTS)
        assert response.status_code == 401, (key[:20], response.status_code)
    past = api_client_for(cast.alice).post(_keys_url(cast.store_a), {"name": "old", "expires_at": "2000-01-01T00:00:00Z"},
                                           format="json")  # fmt: skip
    assert past.status_code == 400 and "expires_at" in past.json()


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "scopes": ["admin"]},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": "read"},
        {"name": "n" * 51},
        {"name": ""},
        {"name": "x", "expires_at": "tomorrow"},
        {},
    ],
)
def test_bad_bodies_are_a_400_and_make_no_key(cast: Any, body: dict[str, Any]) -> None:
    response = api_client_for(cast.alice).post(_keys_url(cast.store_a), body, format="json")
    assert response.status_code == 400, response.content
    assert not ProfileAPIKey.all_objects.exists()


def test_keys_are_owned_by_their_profile(cast: Any) -> None:
    """Another store's key id under this store's URL, or another user's store: 404, nothing revoked."""
    theirs = ProfileAPIKeyFactory(profile=cast.store_b)
    bobs = ProfileAPIKeyFactory(profile=cast.bob_store)
    alice = api_client_for(cast.alice)
    assert alice.delete(f"{_keys_url(cast.store_a)}{theirs.pk}/").status_code == 404
    assert alice.delete(f"{_keys_url(cast.bob_store)}{bobs.pk}/").status_code == 404
    assert alice.get(_keys_url(cast.bob_store)).status_code == 404
    assert alice.post(_keys_url(cast.bob_store), {"name": "mine now"}, format="json").status_code == 404
    assert not ProfileAPIKey.all_objects.filter(revoked=True).exists()
    assert ProfileAPIKey.all_objects.filter(profile=cast.bob_store).count() == 1


def test_keys_have_their_own_throttle(cast: Any, settings: Any) -> None:
    settings.API_KEY_THROTTLE = "3/min"
    first, second = _create(cast, cast.store_a), _create(cast, cast.store_a)
    machine = _with_key(first["key"])
    assert [machine.get(PROJECTS).status_code for _ in range(3)] == [200, 200, 200]
    limited = machine.get(PROJECTS)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert _with_key(second["key"]).get(PROJECTS).status_code == 200  # per key
    assert api_client_for(cast.alice).get(PROJECTS).status_code == 200  # the user's own requests are not counted


def test_the_admin_shows_the_prefix_only(cast: Any, admin_client: Any) -> None:
    created = _create(cast, cast.store_a)
    row = ProfileAPIKey.all_objects.get(pk=created["id"])
    pages = [
        admin_client.get("/admin/profiles/profileapikey/"),
        admin_client.get(f"/admin/profiles/profileapikey/{row.pk}/change/"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert created["prefix"] in text
        assert created["key"] not in text and row.hashed_key not in text and row.hashed_key[8:40] not in text
    assert admin_client.get("/admin/rest_framework_api_key/apikey/").status_code == 404  # the library's, unused


def test_a_key_costs_no_more_queries_than_a_token(cast: Any) -> None:
    """One query finds the key, its profile and its user (the JWT path needs two)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    machine = _with_key(_create(cast, cast.store_a)["key"])
    machine.get(PROJECTS)  # the first use writes last_used_at
    with CaptureQueriesContext(connection) as by_key:
        assert machine.get(PROJECTS).status_code == 200
    with CaptureQueriesContext(connection) as by_token:
        assert api_client_for(cast.alice).get(PROJECTS).status_code == 200
    assert len(by_key.captured_queries) < len(by_token.captured_queries)
