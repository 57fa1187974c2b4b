"""The standard cast: alice runs two stores (A, her default, and B); bob runs one."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import freezegun
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import ClipFactory, ProfileFactory, SourceVideoFactory, UserFactory
from tests.media import BBB, CHAPLIN, SHARED_MEDIA
from tests.speech_media import music_clip, speech_clip  # noqa: F401  (session fixtures: real speech, music)

PASSWORD = "correct-horse-battery"

# SDKs built on pydantic (elevenlabs, google-genai) load modules lazily; a frozen clock must not
# reach into them, or their schema generation trips over FakeDatetime and the freeze leaks.
freezegun.configure(extend_ignore_list=["elevenlabs", "google", "pydantic", "pydantic_core", "httpx"])


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """The test settings' in-memory cache starts empty for every test: login-failure counts,
    throttles and cached provider answers never carry over from one test to the next."""
    cache.clear()
    yield
    cache.clear()


def api_client_for(user: Any, profile: Any = None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    if profile is not None:
        client.defaults["HTTP_X_PROFILE_ID"] = str(profile.pk)
    return client


@dataclass
class Cast:
    alice: Any
    bob: Any
    store_a: Any
    store_b: Any
    bob_store: Any


@pytest.fixture
def cast(db: Any) -> Cast:
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    return Cast(
        alice=alice,
        bob=bob,
        store_a=ProfileFactory(user=alice, name="Store A", is_default=True),
        store_b=ProfileFactory(user=alice, name="Store B"),
        bob_store=ProfileFactory(user=bob, name="Bob's store", is_default=True),
    )


@pytest.fixture
def alice_client(cast: Cast) -> APIClient:
    """alice, acting as Store A (her default: no header)."""
    return api_client_for(cast.alice)


@pytest.fixture
def bob_client(cast: Cast) -> APIClient:
    return api_client_for(cast.bob)


@pytest.fixture(scope="session")
def sample_media(tmp_path_factory: Any) -> Path:
    """A private copy of ../shared/media (BBB and Chaplin)."""
    dest = tmp_path_factory.mktemp("sample-media")
    for name in (BBB, CHAPLIN):
        shutil.copy(SHARED_MEDIA / name, dest / name)
    return dest


@pytest.fixture
def store(cast: Cast) -> dict[str, Any]:
    """A video of Store A (30 s, 640x360, no file behind it) and a raw clip cut from it."""
    video = SourceVideoFactory(profile=cast.store_a, duration=30.0, width=640, height=360, thumbnail="x/v.jpg")
    cut_list = [{"source_video": str(video.pk), "start": 0.0, "end": 2.0}]
    return {"video": video, "clip": ClipFactory(profile=cast.store_a, cut_list=cut_list)}
