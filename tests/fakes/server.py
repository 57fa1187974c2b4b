"""A loopback HTTP server for fake providers (Postiz, ElevenLabs, Gemini).

Write a JSONHandler subclass whose `server.state`
holds the fake's memory, then run it with `running(Handler, state)`:

    with running(PostizHandler, PostizState()) as fake:
        client = PostizClient(base_url=fake.url, ...)
        ...
        assert fake.state.calls[-1].path == "/public/v1/posts"

Only 127.0.0.1 is ever bound (port 0: the OS picks a free one).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    """One request a fake received: what the tests inspect."""

    method: str
    path: str
    query: dict[str, str]
    key: str | None
    body: Any


@dataclass
class Running:
    server: ThreadingHTTPServer

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def state(self) -> Any:
        return self.server.state  # type: ignore[attr-defined]


class JSONHandler(BaseHTTPRequestHandler):
    """Helpers for fakes: read the body, answer JSON or bytes, stay quiet in the test output."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    @property
    def state(self) -> Any:
        return self.server.state  # type: ignore[attr-defined]

    def read_body(self) -> bytes:
        """The request body, whether sent with a length or chunked (httpx streams uploads)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_quietly(self, method: str) -> None:
        """Dispatch, ignoring clients that gave up (a timeout test leaves nothing to answer)."""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._dispatch(method)  # type: ignore[attr-defined]

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_bytes(status, body, "application/json", headers)

    def send_bytes(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def running(handler: type[BaseHTTPRequestHandler], state: Any) -> Iterator[Running]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Running(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
