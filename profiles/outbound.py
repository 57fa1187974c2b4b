"""Requests the install makes to a URL a tenant gave (Postiz today, webhooks later): the SSRF rule.

A tenant's URL must be http(s) with a host, and every address its host resolves to must be
public: never loopback, private, link-local (cloud metadata included), CGNAT, multicast,
unspecified or reserved, nor an IPv6 form of those (IPv4-mapped, NAT64, 6to4, Teredo). Hosts
(or host:port) listed in `EDITAI_OUTBOUND_ALLOWED_HOSTS` skip the address check: a Postiz on
the operator's own network.

The rule runs twice:
- when a URL is saved, `outbound_url_validate(url)` (a clear form error);
- when connecting, inside `outbound_client()`'s transport: the host is resolved once, the
  answers checked, and the socket opened to a checked address. No second lookup happens, so a
  name that answers a public address when saved and a private one later (DNS rebinding) reaches
  nothing. TLS still names the host (SNI and certificate check), since only the TCP connection
  is pinned.

Callers catch `OutboundURLError` (save time, a ValueError) and `OutboundAddressRefused` (connect
time, an httpx.ConnectError, so code that handles httpx's errors already handles it).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

# httpcore's SOCKET_OPTION (private): what setsockopt() takes.
_SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]

__all__ = [
    "ALLOWED_HOSTS_SETTING",
    "OutboundAddressRefused",
    "OutboundTransport",
    "OutboundURLError",
    "header_value_is_safe",
    "is_web_url",
    "outbound_addresses",
    "outbound_client",
    "outbound_url_validate",
]

ALLOWED_HOSTS_SETTING = "EDITAI_OUTBOUND_ALLOWED_HOSTS"
_HOW_TO_ALLOW = (
    "EditAI only calls public addresses for a store. To use a service on your own network, the "
    f"install's operator lists its host (or host:port) in {ALLOWED_HOSTS_SETTING}."
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundURLError(ValueError):
    """A URL (or the address its host resolves to) the install will not call for a tenant.
    The message is a sentence fit for a form error; it never shows a resolved address."""


class OutboundAddressRefused(httpx.ConnectError):
    """Raised by the transport instead of connecting to a refused address."""


# -- the rule ----------------------------------------------------------------------------------


def _refused_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why `address` is not called ("loopback", "private", ...), or None when it is public."""
    if address in _METADATA:
        return "cloud metadata"
    if isinstance(address, ipaddress.IPv6Address):
        # IPv6 spellings of an IPv4 address reach that IPv4 address: judge the embedded one.
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _refused_kind(embedded)
    checks = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("CGNAT (shared)", isinstance(address, ipaddress.IPv4Address) and address in _CGNAT),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    )
    for kind, hit in checks:
        if hit:
            return kind
    return None if address.is_global else "non-public"


def _allowed(host: str, port: int) -> bool:
    host = host.lower().rstrip(".").strip("[]")
    wanted = {host, f"[{host}]:{port}" if ":" in host else f"{host}:{port}", f"[{host}]"}
    entries = {entry.strip().lower().rstrip(".") for entry in settings.OUTBOUND_ALLOWED_HOSTS}
    return bool(wanted & entries)


def _resolve(host: str, port: int) -> list[str]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise OutboundURLError(f"The host {_shown(host)} could not be resolved.") from None
    addresses = list(dict.fromkeys(str(answer[4][0]) for answer in answers))
    if not addresses:
        raise OutboundURLError(f"The host {_shown(host)} could not be resolved.")
    return addresses


def outbound_addresses(host: str, port: int) -> list[str]:
    """Resolve `host` once and return the addresses a request may connect to.

    Every answer must be public (one private answer refuses the host: an attacker's DNS chooses
    which answer a client tries), unless the host is allowed by the operator.
    """
    addresses = _resolve(host, port)
    if _allowed(host, port):
        return addresses
    for text in addresses:
        kind = _refused_kind(ipaddress.ip_address(text.split("%")[0]))  # without a scope id (fe80::1%eth0)
        if kind is not None:
            literal = host.strip("[]") in addresses
            where = "is" if literal else "resolves to"
            article = "an" if kind[0] in "aeiou" else "a"
            raise OutboundURLError(f"The host {_shown(host)} {where} {article} {kind} address. {_HOW_TO_ALLOW}")
    return addresses


def outbound_url_validate(url: str) -> str:
    """Check a URL a tenant wants the install to call; return it stripped, or raise
    OutboundURLError. Called when the URL is saved; the connection is checked again."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        raise OutboundURLError("This is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise OutboundURLError("Only http:// and https:// URLs can be used.")
    if not parts.hostname:
        raise OutboundURLError("The URL has no host name.")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise OutboundURLError("The URL has an invalid port.") from None
    outbound_addresses(parts.hostname, port)
    return text


def _shown(host: str) -> str:
    return host if len(host) <= 100 else f"{host[:100]}…"


# -- the connection ----------------------------------------------------------------------------


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, connecting only to addresses `outbound_addresses` returned."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = outbound_addresses(host, port)
        except OutboundURLError as exc:
            raise OutboundAddressRefused(str(exc)) from None
        *others, last = addresses
        for address in others:  # like socket.create_connection: the next answer on failure
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return self._inner.connect_tcp(last, port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[_SocketOption] | None = None
    ) -> httpcore.NetworkStream:
        raise OutboundAddressRefused("Unix sockets are not outbound addresses.")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _verifying_context() -> ssl.SSLContext:
    """The default TLS context (certifi's CAs), built once: loading the CA bundle takes ~0.1 s,
    which every webhook delivery would otherwise pay."""
    return httpx.create_ssl_context(verify=True)


class OutboundTransport(httpx.HTTPTransport):
    """httpx's own transport, with every TCP connection made by `_GuardedBackend` and no proxy."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = httpx.Limits(max_connections=10, max_keepalive_connections=5),  # noqa: B008
        retries: int = 0,
    ) -> None:
        # httpx.HTTPTransport takes no network backend, so the pool it would build is built here
        # with ours; handle_request() and close() use nothing but this pool.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_verifying_context() if verify is True else httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            retries=retries,
            network_backend=_GuardedBackend(),
        )


def outbound_client(**kwargs: Any) -> httpx.Client:
    """An httpx.Client for calling a tenant's URL: guarded transport, no redirects followed (a
    redirect is the remote's choice of address), no proxy or credentials from the environment.

    `transport=` may be passed only by tests (an httpx.MockTransport, which never connects)."""
    if kwargs.get("transport") is None:
        kwargs["transport"] = OutboundTransport()
    kwargs.setdefault("follow_redirects", False)
    return httpx.Client(trust_env=False, **kwargs)


# -- values from or to the outside ------------------------------------------------------------

_HEADER_SAFE = re.compile(r"[\x20-\x7e]*")


def header_value_is_safe(value: str) -> bool:
    """True when `value` can travel in an HTTP header: printable ASCII only (httpx encodes
    header values as ASCII, and a line break would start a new header)."""
    return _HEADER_SAFE.fullmatch(value) is not None


def is_web_url(value: str | None) -> bool:
    """True for an absolute http(s) URL with a host: the only outside URLs shown as links or
    stored as links (`javascript:`, `data:` and the like are neither)."""
    if not value or not isinstance(value, str) or value != value.strip():
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.netloc) and bool(parts.hostname)
