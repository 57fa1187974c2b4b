"""A fake resolver for the outbound-URL tests: chosen names answer chosen addresses.

It replaces `socket.getaddrinfo` itself, so every resolver in the process sees it (ours, and
httpx's own lookups when nothing pins the address). Each name answers the next entry of its
list on every lookup and keeps the last one: `{"rebind.test": ["93.184.215.14", "127.0.0.1"]}`
is public once, then loopback, which is what a DNS-rebinding attacker serves; an entry may be a
list of addresses answered together. Other names and IP literals go to the real resolver.
`lookups` records the names asked for.

    dns = FakeDNS.install(monkeypatch, {"postiz.example.com": ["93.184.215.14"]})
"""

from __future__ import annotations

import socket
from typing import Any

import pytest


class FakeDNS:
    def __init__(self, answers: dict[str, list[Any]]) -> None:
        self.answers = {name.lower(): list(addresses) for name, addresses in answers.items()}
        self.lookups: list[str] = []
        self._real = socket.getaddrinfo

    @classmethod
    def install(cls, monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[Any]]) -> FakeDNS:
        dns = cls(answers)
        monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
        return dns

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = (host.decode() if isinstance(host, bytes) else str(host or "")).lower().rstrip(".")
        if name not in self.answers:
            return self._real(host, port, *args, **kwargs)
        self.lookups.append(name)
        queue = self.answers[name]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return [_entry(address, int(port or 0)) for address in ([answer] if isinstance(answer, str) else answer)]


def _entry(address: str, port: int) -> tuple[Any, ...]:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
