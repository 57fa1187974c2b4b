from __future__ import annotations

import uuid
from typing import Any

from django.test import Client

from profiles.models import Profile
from profiles.tenancy import current_profile, profile_scope
from tests.conftest import PASSWORD, api_client_for
from tests.factories import ProfileFactory, UserFactory
from tests.scopedapp.models import Note

NOTES = "/api/v1/test/notes/"


def _titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(n["title"] for n in response.json()["results"])


def _seed(cast: Any) -> None:
    for profile, title in ((cast.store_a, "a"), (cast.store_b, "b"), (cast.bob_store, "bob")):
        with profile_scope(profile):
            Note.objects.create(title=title)


def test_no_header_means_the_default_profile(cast: Any, alice_client: Any) -> None:
    _seed(cast)
    assert _titles(alice_client.get(NOTES)) == ["a"]


def test_the_header_picks_one_of_the_users_profiles(cast: Any) -> None:
    _seed(cast)
    assert _titles(api_client_for(cast.alice, cast.store_b).get(NOTES)) == ["b"]


def test_another_users_profile_is_forbidden(cast: Any) -> None:
    response = api_client_for(cast.alice, cast.bob_store).get(NOTES)
    assert response.status_code == 403
    assert response.json() == {"detail": "Access denied to this profile", "code": "profile_access_denied"}


def test_unknown_or_malformed_profile_ids_are_not_found(cast: Any, alice_client: Any) -> None:
    for value in (str(uuid.uuid4()), "not-a-uuid", "' OR 1=1 --", "😀"):
        response = alice_client.get(NOTES, HTTP_X_PROFILE_ID=value)
        assert response.status_code == 404, value
        assert response.json()["detail"] == "Profile not found"


def test_a_user_without_a_default_profile_gets_503(db: Any) -> None:
    user = UserFactory(username="carol")
    ProfileFactory(user=user, name="Not default", is_default=False)
    response = api_client_for(user).get(NOTES)
    assert response.status_code == 503
    assert response.json()["code"] == "no_default_profile"
    assert "set-default" in response.json()["detail"]


def test_anonymous_requests_are_401_and_run_no_scoped_query(cast: Any) -> None:
    assert Client().get(NOTES).status_code == 401
    response = Client().get(NOTES, HTTP_AUTHORIZATION="Bearer not.a.token")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_consecutive_requests_on_one_thread_never_share_a_scope(cast: Any) -> None:
    _seed(cast)
    client_a = api_client_for(cast.alice, cast.store_a)
    client_b = api_client_for(cast.alice, cast.store_b)
    client_bob = api_client_for(cast.bob)
    for _ in range(3):
        assert _titles(client_a.get(NOTES)) == ["a"]
        assert current_profile() is None
        assert _titles(client_bob.get(NOTES)) == ["bob"]
        assert _titles(client_b.get(NOTES)) == ["b"]
    assert current_profile() is None


def test_the_scope_covers_response_rendering(cast: Any) -> None:
    response = api_client_for(cast.alice, cast.store_b).get("/api/v1/test/scope-probe/")
    assert response.json() == {"at_render": [str(cast.store_b.pk)]}


def test_the_browsable_api_switches_profile_with_a_query_parameter(cast: Any) -> None:
    _seed(cast)
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    assert _titles(client.get(NOTES, {"profile": str(cast.store_b.pk)})) == ["b"]
    assert _titles(client.get(NOTES)) == ["a"]
    assert client.get(NOTES, {"profile": str(cast.bob_store.pk)}).status_code == 403


def test_create_stamps_the_requests_profile_whatever_the_body_says(cast: Any) -> None:
    client = api_client_for(cast.alice, cast.store_b)
    response = client.post(NOTES, {"title": "x", "profile": str(cast.bob_store.pk)}, format="json")
    assert response.status_code == 201
    assert response.json()["profile"] == str(cast.store_b.pk)
    assert Note.all_objects.get(pk=response.json()["id"]).profile == Profile.objects.get(pk=cast.store_b.pk)


def test_a_reference_to_another_profiles_row_is_not_found(cast: Any) -> None:
    with profile_scope(cast.bob_store):
        foreign = Note.objects.create(title="bob")
    response = api_client_for(cast.alice).post(NOTES, {"title": "x", "parent": foreign.pk}, format="json")
    assert response.status_code == 404
    assert not Note.all_objects.filter(title="x").exists()
