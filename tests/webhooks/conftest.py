from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django_q.conf import Conf

from tests.fakes.receiver import receiver
from tests.fakes.server import Running


@pytest.fixture
def sync_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """django-q2 runs each task in-process at once (its own `sync` mode): a delivery queued on
    commit is attempted right there."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def hook_receiver() -> Iterator[Running]:
    """A receiver on 127.0.0.1 (the test settings allow loopback as an outbound host)."""
    with receiver() as fake:
        yield fake


@pytest.fixture
def quick_retries(settings: Any) -> None:
    settings.WEBHOOK_TIMEOUT = 5.0
