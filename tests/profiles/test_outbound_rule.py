"""The outbound-URL rule itself (profiles/outbound.py), for the spellings an API test cannot
send (Django's URLField refuses them first) but a resolver or a later caller (webhooks) may meet."""

from __future__ import annotations

from typing import Any

import pytest

from profiles.outbound import OutboundURLError, header_value_is_safe, is_web_url, outbound_url_validate


@pytest.fixture(autouse=True)
def nothing_allowed(settings: Any) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one decimal number
        ("http://0x7f.1/", "loopback"),  # hexadecimal, short form
        ("http://017700000001/", "loopback"),  # octal
        ("http://[::127.0.0.1]/", "reserved"),  # IPv4-compatible IPv6 (deprecated)
        ("http://[64:ff9b::a9fe:a9fe]/", "metadata"),  # NAT64 spelling of 169.254.169.254
        ("http://[2002:7f00:1::]/", "loopback"),  # 6to4 spelling of 127.0.0.1
        ("http://[2002:a00:1::]/", "private"),  # 6to4 spelling of 10.0.0.1
        ("http://198.18.0.1/", "private"),  # benchmarking range
        ("http://192.0.2.10/", "private"),  # documentation range
        ("http://255.255.255.255/", "reserved"),
        ("http://LocalHost:8000/", "loopback"),
    ],
)
def test_it_refuses_every_spelling_of_a_non_public_address(url: str, kind: str) -> None:
    with pytest.raises(OutboundURLError, match=kind):
        outbound_url_validate(url)


@pytest.mark.parametrize("url", ["http://93.184.215.14/", "https://[2606:4700:4700::1111]:8443/hooks"])
def test_it_accepts_public_addresses(url: str) -> None:
    assert outbound_url_validate(f"  {url} ") == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "http"),
        ("javascript:alert(1)", "http"),
        ("file:///etc/passwd", "http"),
        ("http:///path", "no host"),
        ("http://93.184.215.14:99999/", "port"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_it_refuses_what_is_not_an_http_url(url: str, reason: str) -> None:
    with pytest.raises(OutboundURLError, match=reason):
        outbound_url_validate(url)


@pytest.mark.parametrize(
    ("allowed", "url", "ok"),
    [
        (["localhost"], "http://localhost:3000/", True),
        (["LOCALHOST"], "http://localhost/", True),
        (["localhost:3000"], "http://localhost:3000/", True),
        (["localhost:3000"], "http://localhost:3001/", False),
        (["127.0.0.1:80"], "http://127.0.0.1/", True),  # the scheme's default port
        (["127.0.0.1:80"], "https://127.0.0.1/", False),
        (["::1"], "http://[::1]:9/", True),
        (["[::1]"], "http://[::1]:9/", True),
        (["[::1]:9"], "http://[::1]:9/", True),
        (["[::1]:9"], "http://[::1]:10/", False),
        (["127.0.0.1"], "http://localhost/", False),  # a name is allowed by its name, not its address
    ],
)
def test_the_allowed_hosts_match_a_host_or_a_host_and_port(
    settings: Any, allowed: list[str], url: str, ok: bool
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = allowed
    if ok:
        assert outbound_url_validate(url) == url
    else:
        with pytest.raises(OutboundURLError, match="EDITAI_OUTBOUND_ALLOWED_HOSTS"):
            outbound_url_validate(url)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://www.tiktok.com/@shop/video/1", True),
        ("HTTP://example.com", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//evil.example/x", False),
        ("https://", False),
        ("", False),
        (None, False),
    ],
)
def test_only_http_urls_count_as_web_links(value: Any, ok: bool) -> None:
    assert is_web_url(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("pz-0123456789abcdef", True), ("with space", True), ("clé", False), ("ключ", False), ("a\r\nb", False)],
)
def test_header_values_are_printable_ascii(value: str, ok: bool) -> None:
    assert header_value_is_safe(value) is ok
