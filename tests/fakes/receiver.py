"""A webhook receiver on loopback: records every POST (headers and raw body) and answers with
the status the test chooses (200 by default)."""

from __future__ import annotations

import threading
import time
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
    body: bytes | None = None  # the raw answer instead of {"ok": ...}
    trickle: float = 0.0  # seconds between the answer's bytes (headers first, at once)
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
            status, raw, trickle = self.state.status, self.state.body, self.state.trickle
        if raw is None:
            self.send_json(status, {"ok": status < 300})
        elif not trickle:
            self.send_bytes(status, raw, "text/plain")
        else:  # a slow receiver: the headers, then one byte every `trickle` seconds
            self.send_response(status)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            for byte in raw:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(trickle)

    def do_POST(self) -> None:
        self.handle_quietly("POST")


@contextmanager
def receiver(status: int = 200) -> Iterator[Running]:
    with running(ReceiverHandler, ReceiverState(status=status)) as fake:
        yield fake


def url_of(fake: Running, path: str = "/hooks") -> str:
    return fake.url + path


__all__ = ["Received", "ReceiverState", "receiver", "url_of"]
