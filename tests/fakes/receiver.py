"""A webhook receiver on loopback: records every POST (headers and raw body) and answers with
the status the test chooses (200 by default)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.fakes.server import JSONHandler, Running, running


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ReceiverState:
    status: int = 200
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of_type(self, event_type: str) -> list[Received]:
        import json

        return [r for r in self.received if json.loads(r.body).get("type") == event_type]


class ReceiverHandler(JSONHandler):
    def _dispatch(self, method: str) -> None:
        body = self.read_body()
        with self.state.lock:
            self.state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status = self.state.status
        self.send_json(status, {"ok": status < 300})

    def do_POST(self) -> None:
        self.handle_quietly("POST")


@contextmanager
def receiver(status: int = 200) -> Iterator[Running]:
    with running(ReceiverHandler, ReceiverState(status=status)) as fake:
        yield fake


def url_of(fake: Running, path: str = "/hooks") -> str:
    return fake.url + path


__all__ = ["Received", "ReceiverState", "receiver", "url_of"]
