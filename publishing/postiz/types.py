"""Typed results of the Postiz adapter, and their parsing from Postiz's JSON.

A malformed answer becomes a non-retryable PostizError (code `bad_response`): sending the same
request again would not change what the server speaks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from publishing.postiz.errors import PostizError

PostType = Literal["draft", "schedule", "now", "update"]
POST_TYPES: tuple[str, ...] = ("draft", "schedule", "now", "update")
POST_STATES: tuple[str, ...] = ("QUEUE", "PUBLISHED", "ERROR", "DRAFT")


@dataclass(frozen=True)
class Customer:
    id: str
    name: str


@dataclass(frozen=True)
class Integration:
    """One connected social account ("channel") of the organization the key belongs to."""

    id: str
    name: str
    identifier: str  # the provider: instagram, tiktok, youtube, x, ...
    picture: str | None
    disabled: bool
    profile: str | None
    customer: Customer | None = None


@dataclass(frozen=True)
class UploadedMedia:
    """A file stored by Postiz; `id` and `path` are what a post refers to."""

    id: str
    path: str
    name: str = ""
    original_name: str = ""
    thumbnail: str | None = None


@dataclass(frozen=True)
class PostItem:
    """One channel's part of a create request. `settings` must come from `build_settings`."""

    integration_id: str
    content: str
    settings: Mapping[str, Any]
    media: Sequence[UploadedMedia] = ()
    comments: Sequence[str] = field(default=())  # further values: comments / thread replies


@dataclass(frozen=True)
class CreatedPost:
    post_id: str
    integration_id: str
    group: str


@dataclass(frozen=True)
class PostState:
    id: str
    content: str
    publish_date: datetime | None
    release_url: str | None
    state: str  # QUEUE | PUBLISHED | ERROR | DRAFT
    group: str | None
    integration_id: str | None
    integration_provider: str | None
    integration_name: str | None


def bad_response(what: str) -> PostizError:
    return PostizError(
        f"Postiz answered in an unexpected shape ({what}); check the API URL",
        code="bad_response",
        retryable=False,
    )


def _str(data: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise bad_response(f"missing {key!r}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad_response(f"{key!r} is not a string")
    return str(value)


def as_object(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise bad_response(f"{what} is not an object")
    return data


def as_list(data: object, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise bad_response(f"{what} is not a list")
    return data


def parse_datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def integration_from_json(data: object) -> Integration:
    data = as_object(data, "integration")
    customer_data = data.get("customer")
    customer = None
    if isinstance(customer_data, Mapping) and customer_data.get("id"):
        customer = Customer(id=str(customer_data["id"]), name=str(customer_data.get("name") or ""))
    return Integration(
        id=_str(data, "id") or "",
        name=_str(data, "name", required=False) or "",
        identifier=_str(data, "identifier") or "",
        picture=_str(data, "picture", required=False),
        disabled=bool(data.get("disabled", False)),
        profile=_str(data, "profile", required=False),
        customer=customer,
    )


def media_from_json(data: object) -> UploadedMedia:
    data = as_object(data, "upload answer")
    return UploadedMedia(
        id=_str(data, "id") or "",
        path=_str(data, "path") or "",
        name=_str(data, "name", required=False) or "",
        original_name=_str(data, "originalName", required=False) or "",
        thumbnail=_str(data, "thumbnail", required=False),
    )


def created_from_json(data: object, *, group: str, expected: int) -> list[CreatedPost]:
    items = as_list(data, "create answer")
    if len(items) != expected:
        raise bad_response(f"{len(items)} created posts for {expected} requested")
    created = []
    for item in items:
        item = as_object(item, "created post")
        integration = item.get("integration")
        if isinstance(integration, Mapping):  # tolerate {id} as well as the bare id
            integration = integration.get("id")
        # `postId`, not `id`: the create answer has no `id` at all.
        created.append(
            CreatedPost(post_id=_str(item, "postId") or "", integration_id=str(integration or ""), group=group)
        )
    return created


def post_state_from_json(data: object) -> PostState:
    data = as_object(data, "post")
    found = data.get("integration")
    integration: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    state = str(data.get("state") or "")
    return PostState(
        id=_str(data, "id") or "",
        content=str(data.get("content") or ""),
        publish_date=parse_datetime(data.get("publishDate")),
        release_url=str(data["releaseURL"]) if data.get("releaseURL") else None,
        state=state,
        group=_str(data, "group", required=False),
        integration_id=_str(integration, "id", required=False),
        integration_provider=_str(integration, "providerIdentifier", required=False),
        integration_name=_str(integration, "name", required=False),
    )
