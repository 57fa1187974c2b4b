"""The one error type of the Postiz adapter and how HTTP answers map onto it (retries:
library.providers.backoff.call_with_backoff).

`retryable` is the only thing a caller has to look at: True means "the same request may work
later" (429, 5xx, 408, timeouts, connection errors), False means "fix something first" (bad
key, validation, unsupported media). `code` is stable and machine-readable; `str(error)` is a
sentence fit to show the store operator.
"""

from __future__ import annotations

import re

import httpx

from library.providers.backoff import parse_retry_after
from library.providers.errors import ProviderError
from profiles.outbound import OutboundAddressRefused

KEY_REJECTED = "Postiz key rejected"
# What of an answer's body reaches an error text: Postiz's own reason, short and on one line.
# The URL is a tenant's, so whatever answers there must not be readable through our errors.
_MAX_DETAIL = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class PostizError(ProviderError):
    """Anything that went wrong talking to Postiz. Never carries the API key."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, retryable=retryable, status=status, retry_after=retry_after)
        self.code = code

    def __repr__(self) -> str:
        return (
            f"PostizError({self.message!r}, code={self.code!r}, status={self.status}, "
            f"retryable={self.retryable}, retry_after={self.retry_after})"
        )


def _plain(text: str, limit: int = _MAX_DETAIL) -> str:
    """`text` on one line without control characters, cut to `limit` characters."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _server_detail(response: httpx.Response) -> str:
    """The reason in a Postiz error body (its `message`, `msg` or `error` field), sanitised.
    Any other body (an HTML page, a proxy's text) is not echoed at all."""
    try:
        body: object = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    message = body.get("message", body.get("msg", body.get("error", "")))
    if isinstance(message, list):
        # class-validator answers a list of sentences, one per broken field.
        message = "; ".join(str(item) for item in message)
    detail = str(message)
    if body.get("provider"):
        channel = f" ({body['name']})" if body.get("name") else ""
        detail = f"{body['provider']}{channel}: {detail}"
    return _plain(detail)


def error_from_response(response: httpx.Response) -> PostizError:
    status = response.status_code
    if status == 401:
        return PostizError(KEY_REJECTED, code="auth", retryable=False, status=status)
    if status == 429:
        return PostizError(
            "Postiz rate limit reached; try again later",
            code="rate_limited",
            retryable=True,
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    detail = _server_detail(response)
    suffix = f": {detail}" if detail else ""
    if status >= 500 or status == 408:
        return PostizError(
            f"Postiz is unavailable (HTTP {status}){suffix}",
            code="server_error",
            retryable=True,
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if 300 <= status < 400:
        # Not followed on purpose: a redirect to another host would drop (or leak) the key.
        location = _plain(response.headers.get("Location", ""), 150)
        return PostizError(
            f"Postiz answered with a redirect to {location!r}; use that address as the API URL",
            code="redirect",
            retryable=False,
            status=status,
        )
    if status == 404 and detail.startswith("Cannot "):
        # NestJS's answer for a route it does not have: the URL points at something else.
        return PostizError(
            f"No Postiz API answers at this URL (HTTP 404: {detail}); check the API URL",
            code="not_found",
            retryable=False,
            status=status,
        )
    code = {400: "invalid", 403: "forbidden", 404: "not_found", 413: "too_large"}.get(status, "rejected")
    return PostizError(
        f"Postiz rejected the request (HTTP {status}){suffix}", code=code, retryable=False, status=status
    )


def error_from_transport(exc: httpx.RequestError, *, timeout: float) -> PostizError:
    if isinstance(exc, OutboundAddressRefused):
        return PostizError(f"Postiz was not called: {exc}", code="address_refused", retryable=False)
    if isinstance(exc, httpx.TimeoutException):
        return PostizError(f"Postiz did not answer within {timeout:g} s", code="timeout", retryable=True)
    # The exception text names host and port only (never headers), so it is safe to show.
    return PostizError(f"Postiz could not be reached: {exc}", code="unreachable", retryable=True)
