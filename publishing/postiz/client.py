"""Postiz public API client (see ../shared/POSTIZ.md for the contract it meets).

One client per organization key. Every request goes through `_request`, which always passes the
timeout and turns every failure into a PostizError. The key is sent raw in `Authorization` (no
"Bearer"), and never appears in logs, errors or repr.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from profiles.outbound import header_value_is_safe, outbound_client
from publishing.postiz.analytics import PostAnalytics, post_analytics_from_json
from publishing.postiz.errors import (
    PostizError,
    error_from_response,
    error_from_transport,
)
from publishing.postiz.types import (
    POST_TYPES,
    CreatedPost,
    Integration,
    PostItem,
    PostState,
    PostType,
    UploadedMedia,
    as_list,
    as_object,
    bad_response,
    created_from_json,
    integration_from_json,
    media_from_json,
    post_state_from_json,
)

__all__ = ["PostizClient", "PostizError", "normalize_base_url"]

logger = logging.getLogger(__name__)

CLOUD_HOST = "api.postiz.com"
API_SUFFIX = "/public/v1"

# QuickTime and audio/image flavours of the ISO box format that Postiz's sniffer does not call mp4.
_NOT_MP4_BRANDS = {b"qt  ", b"M4A ", b"M4B ", b"M4P ", b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1"}


def normalize_base_url(raw: str) -> str:
    """Turn what a user types into the public API root, without a trailing slash.

    Rule, applied to the path after trimming whitespace and trailing slashes:
    1. a path containing `/public/v1` is cut just after it (pasting an endpoint URL works);
    2. the cloud host `api.postiz.com` gets `/public/v1`;
    3. a path ending in `/api` gets `/public/v1`;
    4. anything else (a bare self-hosted host, `http://127.0.0.1:PORT`, a sub-path install)
       gets `/api/public/v1` — the stock self-hosted backend lives under `/api`.
    Scheme and host are lower-cased, the port kept, query and fragment dropped. Only http and
    https with a host are accepted; credentials in the URL are refused (they would end up in
    logs). Raises ValueError with a sentence fit for a form error.
    """
    text = (raw or "").strip()
    if not text:
        raise ValueError("Enter the Postiz API URL.")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError("The Postiz API URL must start with http:// or https://.")
    if not parts.hostname:
        raise ValueError("The Postiz API URL has no host name.")
    if parts.username or parts.password:
        raise ValueError("Do not put credentials in the Postiz API URL; the API key has its own field.")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("The Postiz API URL has an invalid port.") from exc
    host = parts.hostname.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    path = parts.path.rstrip("/")
    marker = path.find(API_SUFFIX)
    if marker != -1 and path[marker + len(API_SUFFIX) : marker + len(API_SUFFIX) + 1] in ("", "/"):
        path = path[: marker + len(API_SUFFIX)]
    elif host == CLOUD_HOST or path.endswith("/api"):
        path = f"{path}{API_SUFFIX}"
    else:
        path = f"{path}/api{API_SUFFIX}"
    return urlunsplit((scheme, netloc, path, "", ""))


def _mask(key: str) -> str:
    return f"…{key[-4:]}" if len(key) >= 16 else "…"


def _iso_utc(value: datetime, name: str) -> str:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PostizClient:
    """A thin, typed client for one Postiz organization (one API key)."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        key = (api_key or "").strip()
        if not key:
            raise ValueError("The Postiz API key is empty.")
        if not header_value_is_safe(key):
            # httpx would fail to encode it on every request (a 500 before this check).
            raise ValueError(
                "The saved Postiz API key has characters an HTTP header cannot carry (only printable "
                "ASCII); save the key again."
            )
        if not timeout or timeout <= 0:
            raise ValueError("A positive timeout is required.")
        self.base_url = normalize_base_url(base_url)
        self.timeout = float(timeout)
        self._api_key = key
        # The URL is a tenant's: outbound_client connects only to public addresses (or hosts the
        # operator allowed), checked against the address it connects to, and follows no redirect.
        self._http = outbound_client(
            base_url=self.base_url,
            timeout=self.timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "EditAI-Postiz/1"},
        )

    def __repr__(self) -> str:
        return f"PostizClient(base_url={self.base_url!r}, api_key='{_mask(self._api_key)}')"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PostizClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- transport -----------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request; return the decoded JSON body or raise PostizError."""
        started = time.monotonic()
        # The key goes per request rather than on the httpx.Client so nothing else can echo it.
        headers = {"Authorization": self._api_key}
        try:
            response = self._http.request(method, path, headers=headers, timeout=self.timeout, **kwargs)
        except httpx.RequestError as exc:
            error = error_from_transport(exc, timeout=self.timeout)
            logger.info("postiz %s %s failed: %s", method, path, error.code)
            raise error from None
        logger.info("postiz %s %s -> %s in %.2f s", method, path, response.status_code, time.monotonic() - started)
        if not response.is_success:
            raise error_from_response(response)
        try:
            return response.json()
        except ValueError:
            # Typically a web front-end answering HTML at a wrong URL.
            raise bad_response("not JSON") from None

    # -- endpoints -----------------------------------------------------------------------

    def is_connected(self) -> bool:
        """True when the key is accepted. A rejected key raises PostizError(code="auth")."""
        data = self._request("GET", "/is-connected")
        return bool(isinstance(data, Mapping) and data.get("connected") is True)

    def list_integrations(self) -> list[Integration]:
        data = self._request("GET", "/integrations")
        return [integration_from_json(item) for item in as_list(data, "integrations")]

    def integration_settings(self, integration_id: str) -> dict[str, Any]:
        """The provider's settings description (`{"output": {rules, maxLength, settings, tools}}`)."""
        data = self._request("GET", f"/integration-settings/{quote(integration_id, safe='')}")
        return dict(as_object(data, "integration settings"))

    def upload(self, path: Path) -> UploadedMedia:
        """Upload one finished clip. Only MP4 is accepted: transcode before calling.

        The check happens before any byte is sent (extension and the `ftyp` box), because
        Postiz sniffs the content and rejects QuickTime, WebM and Matroska.
        """
        path = Path(path)
        if path.suffix.lower() != ".mp4":
            raise PostizError(
                f"Postiz accepts only MP4 video, not {path.suffix or 'a file without extension'}; "
                "export the clip as MP4 first",
                code="unsupported_media",
                retryable=False,
            )
        try:
            with path.open("rb") as fh:
                head = fh.read(12)
                if len(head) < 12 or head[4:8] != b"ftyp" or head[8:12] in _NOT_MP4_BRANDS:
                    raise PostizError(
                        "The file is not an MP4 video (it may be QuickTime renamed to .mp4); export it as MP4",
                        code="unsupported_media",
                        retryable=False,
                    )
                fh.seek(0)
                # httpx streams the open file in chunks: a large clip is never held in memory.
                data = self._request("POST", "/upload", files={"file": (path.name, fh, "video/mp4")})
        except OSError as exc:
            raise PostizError(
                f"The clip file could not be read: {exc.strerror or exc}", code="file_unreadable", retryable=False
            ) from None
        return media_from_json(data)

    def create_post(
        self,
        *,
        type: PostType,
        date: datetime,
        posts: Sequence[PostItem],
        short_link: bool = False,
        tags: Iterable[str | Mapping[str, str]] = (),
        group: str | None = None,
    ) -> list[CreatedPost]:
        """Create one post per item in a single request (the throttle counts requests, not posts).

        `date` is always sent, also for `now`. Without `group` one is generated, so the posts
        can be found again with `find_posts_by_group` — e.g. after a timeout, before retrying.
        """
        if type not in POST_TYPES:
            raise ValueError(f"type must be one of {', '.join(POST_TYPES)}")
        if not posts:
            raise ValueError("posts must contain at least one item")
        group = group or uuid.uuid4().hex
        body = {
            "type": type,
            "date": _iso_utc(date, "date"),
            "shortLink": bool(short_link),
            "tags": [_tag(tag) for tag in tags],
            "posts": [_post_item(item, group) for item in posts],
        }
        data = self._request("POST", "/posts", json=body)
        return created_from_json(data, group=group, expected=len(posts))

    def delete_post(self, post_id: str) -> None:
        """Delete the post and every post of its group.

        Postiz answers `{"error": true}` with 200 even when it worked: any 2xx is success.
        """
        if not post_id:
            raise ValueError("post_id is required")
        self._request("DELETE", f"/posts/{quote(post_id, safe='')}")

    def list_posts(self, *, start: datetime, end: datetime) -> list[PostState]:
        """Posts whose publish date is in [start, end]. The only way to read a post's state:
        Postiz has no GET /posts/{id}."""
        if end < start:
            raise ValueError("end must not be before start")
        params = {"startDate": _iso_utc(start, "start"), "endDate": _iso_utc(end, "end")}
        data = self._request("GET", "/posts", params=params)
        posts = as_object(data, "posts answer").get("posts")
        if posts is None:
            raise bad_response("missing 'posts'")
        return [post_state_from_json(item) for item in as_list(posts, "posts")]

    def post_analytics(self, post_id: str, *, days: int) -> PostAnalytics:
        """The post's statistics per day over the last `days` days. An older self-hosted Postiz
        without the route answers 404: PostizError(status=404)."""
        data = self._request("GET", f"/analytics/post/{quote(post_id, safe='')}", params={"date": days})
        return post_analytics_from_json(data)

    def find_posts_by_group(self, group: str, *, start: datetime, end: datetime) -> list[PostState]:
        return [post for post in self.list_posts(start=start, end=end) if post.group == group]


def _tag(tag: str | Mapping[str, str]) -> dict[str, str]:
    if isinstance(tag, str):
        return {"value": tag, "label": tag}
    return {"value": str(tag["value"]), "label": str(tag.get("label", tag["value"]))}


def _media(media: UploadedMedia) -> dict[str, str]:
    item = {"id": media.id, "path": media.path}
    if media.thumbnail:
        item["thumbnail"] = media.thumbnail
    return item


def _post_item(item: PostItem, group: str) -> dict[str, Any]:
    if not item.integration_id:
        raise ValueError("every post needs an integration_id")
    if "__type" not in item.settings:
        raise ValueError("settings must come from build_settings (missing __type)")
    if not item.content.strip() and not item.media:
        raise ValueError("a post needs content or media")
    # `image` must be present on every value, even when empty.
    values = [{"content": item.content, "image": [_media(m) for m in item.media]}]
    values += [{"content": comment, "image": []} for comment in item.comments if comment.strip()]
    return {
        "integration": {"id": item.integration_id},
        "value": values,
        "group": group,
        "settings": dict(item.settings),
    }
