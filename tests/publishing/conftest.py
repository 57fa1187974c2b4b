from __future__ import annotations

from collections.abc import Iterator

import pytest

from publishing.postiz import PostizClient
from tests.fakes.postiz import KEY_A, KEY_B, PostizHandler, PostizState, default_state
from tests.fakes.server import Running, running


@pytest.fixture
def postiz_state() -> PostizState:
    return default_state()


@pytest.fixture
def postiz(postiz_state: PostizState) -> Iterator[Running]:
    with running(PostizHandler, postiz_state) as fake:
        yield fake


@pytest.fixture
def client_a(postiz: Running) -> Iterator[PostizClient]:
    with PostizClient(base_url=postiz.url, api_key=KEY_A, timeout=5) as client:
        yield client


@pytest.fixture
def client_b(postiz: Running) -> Iterator[PostizClient]:
    with PostizClient(base_url=postiz.url, api_key=KEY_B, timeout=5) as client:
        yield client
