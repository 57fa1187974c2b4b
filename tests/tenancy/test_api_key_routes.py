"""The route walk again, with an API key of alice's Store A instead of her JWT: every scoped
route answers 404 for Store B's objects (the same user's other store, which her JWT could reach
with its header), 403 for a header naming Store B, and routes on profiles, API keys and auth are
403 for a key. One test per rule, looping over the routes (a key request is cheap; a test per
route would cost its fixtures each time)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse

from profiles.tenancy import unscoped
from tests.factories import ProfileAPIKeyFactory
from tests.tenancy.routes import AUTH, Public, Scoped, ScopedCollection, UserScoped, classify, make_in
from tests.tenancy.test_routes import ALL_ROUTES, _call, _snapshot

PROFILE_ROUTES = (Scoped, ScopedCollection)


def _key_client(profile: Any) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {ProfileAPIKeyFactory.create(profile=profile).raw}")
    return client


def test_a_key_finds_no_object_of_another_profile_of_its_user(cast: Any) -> None:
    client = _key_client(cast.store_a)
    wrong = []
    checked = 0
    for route in ALL_ROUTES:
        case = classify(route)
        if not isinstance(case, Scoped):
            continue
        for method in route.methods:
            checked += 1
            savepoint = transaction.savepoint()  # each route's rows go again: names stay unique
            obj = make_in(cast.store_b, case.make)
            before = _snapshot(obj, case)
            response = _call(client, method, reverse(route.name, kwargs=case.kwargs(obj)), case.body(obj))
            with unscoped():
                unchanged = type(obj).all_objects.filter(pk=obj.pk).exists() and _snapshot(obj, case) == before
            if response.status_code != 404 or not unchanged:
                wrong.append((route.name, method, response.status_code, unchanged))
            transaction.savepoint_rollback(savepoint)
    assert checked > 50 and wrong == []


def test_a_key_with_a_header_naming_another_profile_is_denied(cast: Any) -> None:
    client = _key_client(cast.store_a)
    client.defaults["HTTP_X_PROFILE_ID"] = str(cast.store_b.pk)
    wrong = []
    checked = 0
    for route in ALL_ROUTES:
        case = classify(route)
        if not isinstance(case, PROFILE_ROUTES):
            continue
        savepoint = transaction.savepoint()
        kwargs = case.kwargs(make_in(cast.store_a, case.make)) if isinstance(case, Scoped) else case.kwargs
        for method in route.methods:
            response = _call(client, method, reverse(route.name, kwargs=kwargs), {})
            checked += 1
            if response.status_code != 403 or response.json()["detail"] != "Access denied to this profile":
                wrong.append((route.name, method, response.status_code))
        transaction.savepoint_rollback(savepoint)
    assert checked > 100 and wrong == []


def test_a_key_reaches_no_profile_api_key_or_auth_route(cast: Any) -> None:
    client = _key_client(cast.store_a)
    wrong = []
    for route in ALL_ROUTES:
        case = classify(route)
        if not (isinstance(case, UserScoped) or (isinstance(case, Public) and case.reason == AUTH)):
            continue
        kwargs = case.kwargs(cast.store_a) if isinstance(case, UserScoped) and case.kwargs else None
        for method in route.methods:
            response = _call(client, method, reverse(route.name, kwargs=kwargs), {"name": "minted"})
            if response.status_code != 403 or response.json().get("code") != "api_key_not_allowed":
                wrong.append((route.name, method, response.status_code))
    assert wrong == []
