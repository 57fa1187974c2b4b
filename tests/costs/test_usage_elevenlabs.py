"""The usage page shows the ElevenLabs subscription when a key is configured (fake, loopback)."""

from __future__ import annotations

from typing import Any

from tests.conftest import api_client_for
from tests.fakes.elevenlabs import KEY, ElevenLabsHandler, ElevenLabsState
from tests.fakes.server import running


def test_usage_includes_the_elevenlabs_subscription(cast: Any, settings: Any) -> None:
    state = ElevenLabsState(character_limit=30_000)
    state.character_count = 1_234
    with running(ElevenLabsHandler, state) as fake:
        settings.ELEVENLABS_API_KEY = KEY
        settings.ELEVENLABS_BASE_URL = fake.url
        body = api_client_for(cast.alice).get("/api/v1/costs/usage/").json()
    assert body["elevenlabs"]["character_count"] == 1_234
    assert body["elevenlabs"]["characters_left"] == 28_766
    assert body["elevenlabs"]["tier"] == "creator"
    assert state.calls[-1].key == KEY


def test_usage_without_a_key_has_no_subscription(cast: Any, settings: Any) -> None:
    settings.ELEVENLABS_API_KEY = ""
    assert api_client_for(cast.alice).get("/api/v1/costs/usage/").json()["elevenlabs"] is None


def test_an_elevenlabs_outage_is_reported_not_raised(cast: Any, settings: Any) -> None:
    state = ElevenLabsState()
    state.fail_next(503, times=5)
    with running(ElevenLabsHandler, state) as fake:
        settings.ELEVENLABS_API_KEY = KEY
        settings.ELEVENLABS_BASE_URL = fake.url
        response = api_client_for(cast.alice).get("/api/v1/costs/usage/")
    assert response.status_code == 200
    assert response.json()["elevenlabs"]["error"]
