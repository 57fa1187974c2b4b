"""The other half of the route walk in tests/tenancy/: a route on the caller's OWN object whose
body names another profile's row (Scoped.foreign_make / body_with_foreign in routes.py) refuses
it with 400/404 and writes nothing. tests/tenancy/test_routes.py covers foreign objects in the
URL and foreign rows in collection bodies; this covers foreign rows in detail-route bodies."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from profiles.tenancy import unscoped
from tests.conftest import api_client_for
from tests.proof.world import row_counts
from tests.tenancy.routes import Scoped, classify, iter_routes, make_in

CASES = [
    pytest.param(route, case, method, id=f"{route.name}-{method}")
    for route in iter_routes()
    if isinstance(case := classify(route), Scoped) and case.body_with_foreign is not None
    for method in route.methods
    if method in ("post", "put", "patch")
]


def test_some_detail_routes_name_foreign_rows_in_their_bodies() -> None:
    assert len(CASES) >= 3


@pytest.mark.parametrize(("route", "case", "method"), CASES)
@pytest.mark.parametrize("owner", ["other_profile_same_user", "other_user"])
def test_a_body_naming_another_profiles_row_is_refused(
    cast: Any, route: Any, case: Scoped, method: str, owner: str
) -> None:
    assert case.foreign_make is not None and case.body_with_foreign is not None
    own = make_in(cast.store_a, case.make)
    foreign = make_in(cast.store_b if owner == "other_profile_same_user" else cast.bob_store, case.foreign_make)
    with unscoped():
        before_own = model_to_dict(type(own).all_objects.get(pk=own.pk))
        before_foreign = model_to_dict(type(foreign).all_objects.get(pk=foreign.pk))
    rows = row_counts()
    client = api_client_for(cast.alice, cast.store_a)

    url = reverse(route.name, kwargs=case.kwargs(own))
    response = getattr(client, method)(url, data=case.body_with_foreign(foreign), format="json")

    assert response.status_code in (400, 404), (route.name, response.status_code, response.content[:300])
    assert row_counts() == rows, "a row was written"
    with unscoped():
        assert model_to_dict(type(own).all_objects.get(pk=own.pk)) == before_own, "the caller's object changed"
        assert model_to_dict(type(foreign).all_objects.get(pk=foreign.pk)) == before_foreign


@pytest.mark.parametrize(("route", "case", "method"), CASES)
def test_the_same_body_naming_the_callers_own_row_is_accepted(cast: Any, route: Any, case: Scoped, method: str) -> None:
    """So the refusal above is about the owner, not a body the route would refuse anyway."""
    assert case.foreign_make is not None and case.body_with_foreign is not None
    own = make_in(cast.store_a, case.make)
    mine = make_in(cast.store_a, case.foreign_make)
    client = api_client_for(cast.alice, cast.store_a)
    response = getattr(client, method)(
        reverse(route.name, kwargs=case.kwargs(own)), data=case.body_with_foreign(mine), format="json"
    )
    assert response.status_code in (200, 201, 202), (route.name, response.status_code, response.content[:300])
