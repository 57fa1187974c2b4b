"""The one error base of every provider adapter (ElevenLabs, espeak-ng, Gemini, Postiz, ...).

An adapter turns whatever its SDK or HTTP client raised into a subclass of ProviderError, so
callers look at three things only: `message` (a sentence fit to show the store operator, never
a key), `retryable` (the same request may work later: rate limit, outage, timeout) and, when
the provider said so, `retry_after` (seconds it asked us to wait). The job runner catches this
base by type and shows the message; call_with_backoff (library.providers.backoff) retries on it.
"""

from __future__ import annotations


class ProviderError(Exception):
    """A provider could not do what was asked. `status` is its HTTP status when it answered one."""

    def __init__(
        self, message: str, *, retryable: bool, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, retryable={self.retryable}, status={self.status}, "
            f"retry_after={self.retry_after})"
        )
