from __future__ import annotations

from typing import Any

import pytest

from library.models.presets import BUILT_IN_NAMES
from library.presets import BUILT_IN

PRESETS = "/api/v1/library/presets/"


def test_the_model_reserves_exactly_the_built_in_names() -> None:
    assert set(BUILT_IN) == BUILT_IN_NAMES


@pytest.mark.parametrize("name", sorted(BUILT_IN_NAMES))
def test_a_profile_cannot_name_its_preset_like_a_built_in(alice_client: Any, name: str) -> None:
    response = alice_client.post(PRESETS, {"name": name, "width": 720, "height": 1280}, format="json")
    assert response.status_code == 400
    assert "built-in preset name" in str(response.json())


def test_a_profile_names_its_own_preset(alice_client: Any) -> None:
    response = alice_client.post(PRESETS, {"name": "square", "width": 1080, "height": 1080}, format="json")
    assert response.status_code == 201, response.content
    assert alice_client.get(f"{PRESETS}square/").json()["built_in"] is False
