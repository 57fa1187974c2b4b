"""Per-provider `settings` for a Postiz post: valid defaults, user overrides, validation.

Postiz validates `settings` on every create, drafts included, and a wrong value is only found
out when the request is refused — so everything is checked here first, and the errors come back
as `{field: message}`, ready to be a DRF 400. Rules follow POSTIZ.md; lengths are counted the way
Postiz (JavaScript) counts them, in UTF-16 code units, so an emoji weighs two.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ProviderSettingsError", "build_settings", "youtube_title"]

_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_TAG = re.compile(r"<[^<>]*>")

YOUTUBE_TITLE_MIN = 2
YOUTUBE_TITLE_MAX = 100


class ProviderSettingsError(ValueError):
    """Invalid provider settings; `errors` maps each field to one sentence."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))


def js_length(text: str) -> int:
    """Length as JavaScript's `String.length` (UTF-16 code units) — what Postiz validates."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]
    required: bool = True

    def check(self, value: object) -> tuple[object, str | None]:
        if not isinstance(value, str) or value not in self.values:
            return value, f"{value!r} is not a valid choice; use one of: {', '.join(self.values)}."
        return value, None


@dataclass(frozen=True)
class Flag:
    required: bool = True

    def check(self, value: object) -> tuple[object, str | None]:
        if not isinstance(value, bool):
            return value, "Must be true or false."
        return value, None


@dataclass(frozen=True)
class Text:
    min_length: int = 1
    max_length: int | None = None
    required: bool = True
    forbidden: str = ""

    def check(self, value: object) -> tuple[object, str | None]:
        if not isinstance(value, str):
            return value, "Must be text."
        value = value.strip()  # surrounding spaces are never meant, and would count
        length = js_length(value)
        if length < self.min_length:
            return value, "This field may not be blank." if self.min_length == 1 else (
                f"Must be at least {self.min_length} characters."
            )
        if self.max_length is not None and length > self.max_length:
            return value, f"Must be at most {self.max_length} characters."
        if any(char in value for char in self.forbidden):
            return value, f"Must not contain {' or '.join(self.forbidden)}."
        return value, None


Field = Choice | Flag | Text

_INSTAGRAM: dict[str, Field] = {"post_type": Choice(("post", "story"))}

SCHEMAS: dict[str, dict[str, Field]] = {
    "instagram": _INSTAGRAM,
    "instagram-standalone": _INSTAGRAM,
    "tiktok": {
        "privacy_level": Choice(("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")),
        "duet": Flag(),
        "stitch": Flag(),
        "comment": Flag(),
        "autoAddMusic": Choice(("yes", "no")),
        "brand_content_toggle": Flag(),
        "brand_organic_toggle": Flag(),
        "content_posting_method": Choice(("DIRECT_POST", "UPLOAD")),
    },
    # YouTube itself refuses < and > in titles; Postiz would accept them and the publish would fail later.
    "youtube": {
        "title": Text(min_length=YOUTUBE_TITLE_MIN, max_length=YOUTUBE_TITLE_MAX, forbidden="<>"),
        "type": Choice(("public", "private", "unlisted")),
    },
    "x": {"who_can_reply_post": Choice(("everyone", "following", "mentionedUsers", "subscribers", "verified"))},
    "pinterest": {"board": Text()},
}

# Providers whose settings are `__type` only (listed for documentation; any unknown identifier
# is treated the same way).
TYPE_ONLY = ("threads", "bluesky", "mastodon", "telegram", "facebook", "linkedin", "linkedin-page")

_REQUIRED_HINTS = {
    ("pinterest", "board"): "Choose the Pinterest board to pin to; there is no default.",
}


def _trim_js(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-16 units, at a word boundary when one is near, with an ellipsis."""
    budget = limit - 1  # room for "…"
    kept: list[str] = []
    used = 0
    for char in text:
        used += js_length(char)
        if used > budget:
            break
        kept.append(char)
    cut = "".join(kept)
    space = cut.rfind(" ")
    if space >= len(cut) * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def youtube_title(caption: str) -> str:
    """A valid YouTube title from a caption: its first non-empty line, 2 to 100 characters."""
    first = next((line for line in (caption or "").splitlines() if line.strip()), "")
    # YouTube refuses < and >: drop tag-like runs (a pasted "<b>"), then any stray bracket.
    title = " ".join(_TAG.sub(" ", first).replace("<", " ").replace(">", " ").split())
    if js_length(title) > YOUTUBE_TITLE_MAX:
        title = _trim_js(title, YOUTUBE_TITLE_MAX)
    if js_length(title) < YOUTUBE_TITLE_MIN:
        title = f"{title} video" if title else "New video"
    return title


def _defaults(identifier: str, caption: str) -> dict[str, Any]:
    if identifier in ("instagram", "instagram-standalone"):
        return {"post_type": "post"}  # a single mp4 as `post` is published as a Reel
    if identifier == "tiktok":
        return {
            "privacy_level": "PUBLIC_TO_EVERYONE",
            "duet": False,
            "stitch": False,
            "comment": True,
            "autoAddMusic": "no",
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
            "content_posting_method": "DIRECT_POST",
        }
    if identifier == "youtube":
        return {"title": youtube_title(caption), "type": "public"}
    if identifier == "x":
        return {"who_can_reply_post": "everyone"}
    return {}  # pinterest's board has no sensible default: it must be chosen


def _is_json(value: object) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def build_settings(identifier: str, *, caption: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Settings for one channel: defaults for `identifier`, then `overrides`, all validated.

    An override of None keeps the default. Fields Postiz knows for this provider are checked
    against their type and choices; other names are kept as given if they are plain JSON (Postiz
    has optional extras we do not model). Returns a new dict; raises ProviderSettingsError.
    """
    ident = identifier.strip() if isinstance(identifier, str) else ""
    if not _IDENTIFIER.match(ident):
        raise ProviderSettingsError({"identifier": f"{identifier!r} is not a Postiz provider identifier."})
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise ProviderSettingsError({"settings": "Must be an object of setting names to values."})

    schema = SCHEMAS.get(ident, {})
    merged = _defaults(ident, caption)
    errors: dict[str, str] = {}
    for name, value in overrides.items():
        if name == "__type":
            if value != ident:
                errors["__type"] = f"Must be {ident!r} for this channel."
            continue
        if not isinstance(name, str) or not _SETTING_NAME.match(name) or name.startswith("__"):
            errors[str(name)] = "Not a valid setting name."
            continue
        if value is None:
            continue
        if name not in schema and not _is_json(value):
            errors[name] = "Must be a plain JSON value."
            continue
        merged[name] = copy.deepcopy(value)

    for name, spec in schema.items():
        if name in errors:
            continue
        if name not in merged:
            if spec.required:
                errors[name] = _REQUIRED_HINTS.get((ident, name), "This field is required.")
            continue
        merged[name], message = spec.check(merged[name])
        if message:
            errors[name] = message

    if errors:
        raise ProviderSettingsError(errors)
    return {"__type": ident, **merged}
