"""Isolation over every route of the URLconf: see tests/tenancy/routes.py for the rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from profiles.models import Profile
from profiles.tenancy import unscoped
from tests.conftest import api_client_for
from tests.tenancy.routes import (
    ROUTES,
    Public,
    Scoped,
    ScopedCollection,
    UserScoped,
    classify,
    iter_routes,
    make_in,
)

ALL_ROUTES = list(iter_routes())
UNSAFE = {"post", "put", "patch", "delete"}


def _cases(kind: type) -> list[Any]:
    params = []
    for route in ALL_ROUTES:
        case = classify(route)
        if isinstance(case, kind):
            for method in route.methods:
                params.append(pytest.param(route, case, method, id=f"{route.name}-{method}"))
    return params


def _call(client: Any, method: str, url: str, body: dict | None = None) -> Any:
    return getattr(client, method)(url, data=body or {}, format="json") if method in UNSAFE else client.get(url)


def _snapshot(obj: Any, case: Scoped) -> Any:
    with unscoped():  # the harness looks at every profile's rows
        fresh = type(obj).all_objects.get(pk=obj.pk)
        return case.snapshot(fresh) if case.snapshot else model_to_dict(fresh)


def _ids_in(payload: Any) -> set[str]:
    """Every scalar in a JSON answer, as text: a foreign id must not be among them."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif value is not None:
            found.add(str(value))

    walk(payload)
    return found


def test_every_route_is_classified() -> None:
    unclassified = [f"{r.name} ({r.pattern})" for r in ALL_ROUTES if classify(r) is None]
    assert not unclassified, f"routes missing from tests/tenancy/routes.py: {unclassified}"


def test_public_routes_say_why() -> None:
    for route in ALL_ROUTES:
        case = classify(route)
        if isinstance(case, Public):
            assert case.reason.strip(), route.name


def test_no_stale_entries() -> None:
    names = {r.name for r in ALL_ROUTES}
    assert not set(ROUTES) - names, f"ROUTES names routes that no longer exist: {set(ROUTES) - names}"


@pytest.mark.parametrize(("route", "case", "method"), _cases(Scoped))
@pytest.mark.parametrize("owner", ["other_profile_same_user", "other_user"])
def test_scoped_object_of_another_profile_is_not_found(
    cast: Any, route: Any, case: Scoped, method: str, owner: str
) -> None:
    foreign_profile = cast.store_b if owner == "other_profile_same_user" else cast.bob_store
    obj = make_in(foreign_profile, case.make)
    before = _snapshot(obj, case)
    url = reverse(route.name, kwargs=case.kwargs(obj))

    response = _call(api_client_for(cast.alice, cast.store_a), method, url, case.body(obj))

    assert response.status_code == 404, (route.name, method, response.status_code, response.content[:300])
    assert type(obj).all_objects.filter(pk=obj.pk).exists(), "the foreign object was deleted"
    assert _snapshot(obj, case) == before, "the foreign object was changed"


@pytest.mark.parametrize(("route", "case", "method"), _cases(Scoped) + _cases(ScopedCollection))
def test_another_users_profile_header_is_denied(cast: Any, route: Any, case: Any, method: str) -> None:
    kwargs = case.kwargs(make_in(cast.store_a, case.make)) if isinstance(case, Scoped) else case.kwargs
    url = reverse(route.name, kwargs=kwargs)

    response = _call(api_client_for(cast.alice, cast.bob_store), method, url, {})

    assert response.status_code == 403, (route.name, method, response.status_code)
    assert response.json()["detail"] == "Access denied to this profile"


@pytest.mark.parametrize(("route", "case", "method"), _cases(ScopedCollection))
def test_collections_hide_and_refuse_other_profiles_rows(
    cast: Any, route: Any, case: ScopedCollection, method: str
) -> None:
    if case.make is None:
        if method == "get":  # no rows of its own: still must answer inside alice's scope only
            response = api_client_for(cast.alice, cast.store_a).get(reverse(route.name, kwargs=case.kwargs))
            assert str(cast.store_b.pk) not in response.content.decode()
            assert str(cast.bob_store.pk) not in response.content.decode()
        return
    foreign = [make_in(cast.store_b, case.make), make_in(cast.bob_store, case.make)]
    model = type(foreign[0])
    url = reverse(route.name, kwargs=case.kwargs)
    client = api_client_for(cast.alice, cast.store_a)
    if method == "get":
        response = client.get(url)
        assert response.status_code == 200
        seen = _ids_in(response.json())
        assert not {str(obj.pk) for obj in foreign} & seen, f"{route.name} lists another profile's rows"
    elif method == "post" and case.body_with_foreign is not None:
        for obj in foreign:
            count = model.all_objects.count()
            response = client.post(url, data=case.body_with_foreign(obj), format="json")
            assert response.status_code in (400, 404), (route.name, response.status_code, response.content[:300])
            assert model.all_objects.count() == count, "a row was written"


@pytest.mark.parametrize(("route", "case", "method"), _cases(UserScoped))
def test_another_users_profile_is_not_found(cast: Any, route: Any, case: UserScoped, method: str) -> None:
    client = api_client_for(cast.alice)
    before = model_to_dict(Profile.objects.get(pk=cast.bob_store.pk))
    if case.kwargs is None:
        response = _call(client, method, reverse(route.name), {"name": "Store C"} if method == "post" else None)
        assert response.status_code in (200, 201)
        if method == "get":
            assert str(cast.bob_store.pk) not in json.dumps(response.json())
        else:
            assert Profile.objects.get(pk=response.json()["id"]).user == cast.alice
    else:
        response = _call(client, method, reverse(route.name, kwargs=case.kwargs(cast.bob_store)), case.body)
        assert response.status_code == 404, (route.name, method, response.status_code)
    assert model_to_dict(Profile.objects.get(pk=cast.bob_store.pk)) == before
