"""Refusals a service can explain, in the domain's words, with no HTTP in them.

Services (of every app: this is the lowest layer) raise a subclass of one of the kinds below;
`editai/exceptions.py` maps each kind to its HTTP answer in one place. Jobs, commands and the
admin catch the same classes and show `detail`. `code` is stable: clients branch on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

# A message, or messages per field ({"preset": ["Unknown preset 'x'."]}).
Detail = str | Mapping[str, object]


class DomainError(Exception):
    code: ClassVar[str] = "error"
    default_detail: ClassVar[str] = "This cannot be done."

    def __init__(self, detail: Detail | None = None) -> None:
        self.detail: Detail = detail if detail is not None else self.default_detail
        super().__init__(self.detail)

    def __str__(self) -> str:
        return str(self.detail)


class Invalid(DomainError):
    """The input breaks a rule; `detail` names the fields (like a form's errors)."""

    code = "invalid"
    default_detail = "Invalid input."


class NotConfigured(DomainError):
    """Something the caller must set up first (a profile's Postiz settings)."""

    code = "not_configured"


class Missing(DomainError):
    """A named thing that does not exist (or is not the caller's to see)."""

    code = "not_found"
    default_detail = "Not found."


class Conflict(DomainError):
    """The object's current state does not allow this now (busy, already finished)."""

    code = "conflict"


class OverBudget(DomainError):
    """The work would cost more than the profile may still spend."""

    code = "over_budget"


class LimitReached(DomainError):
    """A fairness limit: too much work waiting; try again later."""

    code = "limit_reached"


class Unusable(DomainError):
    """Stored input that the work cannot use any more (a file that no longer decodes)."""

    code = "unusable"


class UpstreamFailed(DomainError):
    """An outside service (TTS, Postiz) failed or did not answer."""

    code = "upstream_failed"
