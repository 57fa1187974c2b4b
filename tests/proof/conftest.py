from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.proof.world import Samples, World, build_world, make_samples


@pytest.fixture(scope="session")
def samples(tmp_path_factory: Any) -> Samples:
    return make_samples(Path(tmp_path_factory.mktemp("proof-samples")))


@pytest.fixture
def world_a(cast: Any, samples: Samples) -> World:
    """alice's Store A, with a row of every model and real files behind them."""
    return build_world(cast.store_a, samples, tag="a")


@pytest.fixture
def world_b(cast: Any, samples: Samples) -> World:
    """alice's other store: same user, another profile."""
    return build_world(cast.store_b, samples, tag="b")


@pytest.fixture
def world_bob(cast: Any, samples: Samples) -> World:
    return build_world(cast.bob_store, samples, tag="bob")
