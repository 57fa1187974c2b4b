"""A fake Postiz public API that enforces ../shared/POSTIZ.md (real loopback HTTP).

Each API key belongs to one organization with its own channels and posts, so a test can prove
that one profile's key never touches another's work. The validation here is written from the
contract, independently of publishing/postiz, so the adapter is checked rather than mirrored.

    state = default_state()
    with running(PostizHandler, state) as fake:
        client = PostizClient(base_url=fake.url, api_key=KEY_A)
        ...
        state.publish(group, "https://tiktok.example/v/1")
        assert state.calls[-1].key == KEY_A

Test controls on the state: publish(), fail(), set_rate_limit(), fail_next(), delay_next(), and
`calls` (method, path, query, key, parsed body of every request).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.postiz_rules import (
    NEEDS_VIDEO,
    RULES,
    THROTTLED,
    UNSUPPORTED,
    bad_request,
    create_errors,
    iso,
    new_id,
    parse_iso,
    parse_multipart,
    sniff,
)
from tests.fakes.server import Call, JSONHandler

KEY_A = "pz-key-org-a-0123456789abcdef"
KEY_B = "pz-key-org-b-fedcba9876543210"
PREFIXES = ("/api/public/v1", "/public/v1")


@dataclass
class Channel:
    id: str
    identifier: str
    name: str = ""
    picture: str = ""
    disabled: bool = False
    profile: str = ""
    customer: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "name": self.name or f"{self.identifier} channel",
            "identifier": self.identifier,
            "picture": self.picture,
            "disabled": self.disabled,
            "profile": self.profile or self.identifier,
        }
        if self.customer:
            data["customer"] = self.customer
        return data


@dataclass
class FakePost:
    id: str
    group: str
    channel: Channel
    type: str
    content: str
    values: list[dict[str, Any]]
    settings: dict[str, Any]
    publish_date: datetime
    state: str
    release_url: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "content": self.content,
            "publishDate": iso(self.publish_date),
            "releaseURL": self.release_url,
            "state": self.state,
            "group": self.group,
            "integration": {
                "id": self.channel.id,
                "providerIdentifier": self.channel.identifier,
                "name": self.channel.name,
                "picture": self.channel.picture,
            },
        }


@dataclass
class Org:
    name: str
    channels: dict[str, Channel] = field(default_factory=dict)
    posts: dict[str, FakePost] = field(default_factory=dict)
    post_times: list[float] = field(default_factory=list)


@dataclass
class Fault:
    status: int
    retry_after: float | str | None
    body: Any


class PostizState:
    def __init__(
        self,
        *,
        rate_limit: int = 30,
        rate_window: float = 3600.0,
        max_image_bytes: int = 10 * 1024 * 1024,
        max_video_bytes: int = 1024 * 1024 * 1024,
    ) -> None:
        self.lock = threading.RLock()
        self.orgs: dict[str, Org] = {}  # API key -> organization
        self.calls: list[Call] = []
        self.uploads: dict[str, dict[str, Any]] = {}
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.rate_retry_after: float | None = None
        self.max_image_bytes = max_image_bytes
        self.max_video_bytes = max_video_bytes
        self._faults: deque[Fault] = deque()
        self._delays: deque[float] = deque()
        self.hang_after_create = 0.0  # seconds to wait AFTER storing posts, before answering
        # GET /analytics/post/{id}: the answer per post id (the pinned shape; [] when none is set);
        # False: the route does not exist (an older self-hosted Postiz answers 404).
        self.analytics: dict[str, Any] = {}
        self.analytics_route = True

    # -- setup and controls ----------------------------------------------------------------

    def add_org(self, key: str, name: str, channels: Iterable[Channel] = ()) -> Org:
        org = Org(name=name, channels={c.id: c for c in channels})
        with self.lock:
            self.orgs[key] = org
        return org

    def org(self, key: str) -> Org:
        return self.orgs[key]

    def _matching(self, target: str) -> list[FakePost]:
        posts = [p for org in self.orgs.values() for p in org.posts.values() if target in (p.id, p.group)]
        if not posts:
            raise KeyError(f"no post or group {target!r}")
        return posts

    def publish(self, target: str, release_url: str) -> list[FakePost]:
        """Mark a post (by id) or a whole group as published, as Postiz's worker would."""
        with self.lock:
            posts = self._matching(target)
            for post in posts:
                post.state, post.release_url, post.error = "PUBLISHED", release_url, None
        return posts

    def fail(self, target: str, error: str = "The provider refused the post") -> list[FakePost]:
        with self.lock:
            posts = self._matching(target)
            for post in posts:
                post.state, post.error = "ERROR", error
        return posts

    def set_rate_limit(self, n: int, *, retry_after: float | None = None) -> None:
        with self.lock:
            self.rate_limit, self.rate_retry_after = n, retry_after

    def fail_next(self, status: int, times: int = 1, retry_after: float | str | None = None, body: Any = None) -> None:
        """The next `times` requests (any route) answer `status` before auth or routing."""
        if body is None:
            body = THROTTLED if status == 429 else {"statusCode": status, "message": "Internal server error"}
        with self.lock:
            self._faults.extend(Fault(status, retry_after, body) for _ in range(times))

    def delay_next(self, seconds: float, times: int = 1) -> None:
        with self.lock:
            self._delays.extend([seconds] * times)

    def take(self) -> tuple[float, Fault | None]:
        with self.lock:
            delay = self._delays.popleft() if self._delays else 0.0
            fault = self._faults.popleft() if self._faults else None
        return delay, fault

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def calls_to(self, method: str, suffix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.endswith(suffix)]


def default_state(**kwargs: Any) -> PostizState:
    """Two organizations with one channel per provider we care about (ids differ per org)."""
    state = PostizState(**kwargs)
    for key, org in ((KEY_A, "a"), (KEY_B, "b")):
        identifiers = ("instagram", "tiktok", "youtube", "x", "pinterest", "threads", "linkedin-page")
        channels = [Channel(id=f"{org}-{ident}", identifier=ident, name=f"Org {org} {ident}") for ident in identifiers]
        state.add_org(key, f"Org {org.upper()}", channels)
    return state


class PostizHandler(JSONHandler):
    """Routes of the public API under both /public/v1 and /api/public/v1."""

    def do_GET(self) -> None:
        self.handle_quietly("GET")

    def do_POST(self) -> None:
        self.handle_quietly("POST")

    def do_DELETE(self) -> None:
        self.handle_quietly("DELETE")

    def do_PUT(self) -> None:
        self.handle_quietly("PUT")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        raw = self.read_body()
        content_type = self.headers.get("Content-Type") or ""
        files: dict[str, tuple[str | None, bytes]] = {}
        body: Any = None
        if content_type.startswith("multipart/form-data"):
            files = parse_multipart(content_type, raw)
            body = {name: {"filename": fn, "size": len(data)} for name, (fn, data) in files.items()}
        elif raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        key = self.headers.get("Authorization")
        self.state.record(Call(method, url.path, dict(parse_qsl(url.query)), key, body))

        delay, fault = self.state.take()
        if delay:
            time.sleep(delay)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            self.send_json(fault.status, fault.body, headers)
            return

        route = next((url.path[len(p) :] for p in PREFIXES if url.path.startswith(p + "/")), None)
        handler = self._route(method, route or "")
        if route is None or handler is None:
            # NestJS's answer for a route that does not exist (GET /posts/{id} is one of them).
            self.send_json(404, {"message": f"Cannot {method} {url.path}", "error": "Not Found", "statusCode": 404})
            return
        if not key:
            self.send_json(401, {"msg": "No API Key found"})
            return
        org = self.state.orgs.get(key)
        if org is None:
            self.send_json(401, {"msg": "Invalid API key"})
            return
        handler(org, body=body, files=files, query=dict(parse_qsl(url.query)), arg=route.rpartition("/")[2])

    def _route(self, method: str, route: str) -> Any:
        routes = {
            ("GET", "/is-connected"): lambda org, **kw: self.send_json(200, {"connected": True}),
            ("GET", "/integrations"): self._integrations,
            ("POST", "/upload"): self._upload,
            ("GET", "/posts"): self._list_posts,
            ("POST", "/posts"): self._create_posts,
        }
        if (method, route) in routes:
            return routes[(method, route)]
        if method == "DELETE" and re.fullmatch(r"/posts/[^/]+", route):
            return self._delete_post
        if method == "GET" and re.fullmatch(r"/integration-settings/[^/]+", route):
            return self._integration_settings
        if method == "GET" and re.fullmatch(r"/analytics/post/[^/]+", route) and self.state.analytics_route:
            return self._post_analytics
        return None

    def _post_analytics(self, org: Org, *, arg: str, query: dict[str, str], **_: Any) -> None:
        if not query.get("date", "").isdigit():
            self.send_json(400, bad_request("date must be a number of days"))
            return
        with self.state.lock:
            answer = self.state.analytics.get(arg, [])
        self.send_json(200, answer)

    def _integrations(self, org: Org, **_: Any) -> None:
        self.send_json(200, [channel.to_json() for channel in org.channels.values()])

    def _integration_settings(self, org: Org, *, arg: str, **_: Any) -> None:
        channel = org.channels.get(arg)
        if channel is None:
            self.send_json(404, {"msg": "Integration not found"})
            return
        rules = RULES.get(channel.identifier)
        schema: Any = "No additional settings required"
        if rules:
            schema = {"type": "object", "properties": {name: {"rule": list(rule)} for name, rule in rules.items()}}
            schema["required"] = list(rules)
        self.send_json(200, {"output": {"rules": "", "maxLength": 2200, "settings": schema, "tools": []}})

    def _upload(self, org: Org, *, files: dict[str, tuple[str | None, bytes]], **_: Any) -> None:
        filename, data = files.get("file", (None, b""))
        if filename is None or not data:
            self.send_json(400, {"msg": "No file provided"})
            return
        detected = sniff(data)
        if detected is None:
            self.send_json(400, bad_request(UNSUPPORTED))
            return
        kind, ext = detected
        limit = self.state.max_video_bytes if kind == "video" else self.state.max_image_bytes
        if len(data) > limit:
            self.send_json(400, bad_request(f"File size exceeds the maximum allowed size of {limit} bytes."))
            return
        media_id = new_id()
        path = f"http://{self.headers.get('Host')}/uploads/{media_id}.{ext}"
        base = re.sub(r"\.[^./\\]*$", "", filename).replace("/", "_")[:100] or "upload"
        answer = {"id": media_id, "name": f"{media_id}.{ext}", "originalName": f"{base}.{ext}", "path": path}
        answer |= {"thumbnail": None, "alt": None}
        with self.state.lock:
            self.state.uploads[media_id] = {"org": org.name, "path": path, "size": len(data), "kind": kind}
        self.send_json(200, answer)

    def _list_posts(self, org: Org, *, query: dict[str, str], **_: Any) -> None:
        start, end = parse_iso(query.get("startDate")), parse_iso(query.get("endDate"))
        errors = [
            f"{name} must be a valid ISO 8601 date string"
            for name, v in (("startDate", start), ("endDate", end))
            if v is None
        ]
        if errors:
            self.send_json(400, bad_request(errors))
            return
        with self.state.lock:
            posts = sorted(
                (p for p in org.posts.values() if start <= p.publish_date <= end), key=lambda p: p.publish_date
            )
            self.send_json(200, {"posts": [p.to_json() for p in posts]})

    def _throttled(self, org: Org) -> bool:
        now = time.monotonic()
        with self.state.lock:
            org.post_times = [t for t in org.post_times if now - t < self.state.rate_window]
            if len(org.post_times) >= self.state.rate_limit:
                return True
            org.post_times.append(now)
        return False

    def _create_posts(self, org: Org, *, body: Any, **_: Any) -> None:
        if self._throttled(org):
            retry = self.state.rate_retry_after
            self.send_json(429, THROTTLED, {"Retry-After": f"{retry:g}"} if retry is not None else None)
            return
        errors = create_errors(body)
        if errors:
            self.send_json(400, bad_request(errors))
            return
        for i, item in enumerate(body["posts"]):
            channel = org.channels.get(item["integration"]["id"])
            if channel is None:  # another organization's channel is "not found" too
                self.send_json(400, bad_request(f"Integration with id {item['integration']['id']} not found"))
                return
            if item["settings"]["__type"] != channel.identifier:
                self.send_json(400, bad_request([f"posts.{i}.settings.__type must be {channel.identifier}"]))
                return
            has_video = any(img["path"].lower().endswith(".mp4") for img in item["value"][0]["image"])
            if body["type"] != "draft" and channel.identifier in NEEDS_VIDEO and not has_video:
                message = f"{channel.identifier} needs a video"
                self.send_json(
                    400, {"statusCode": 400, "provider": channel.identifier, "name": channel.name, "message": message}
                )
                return
        answer = self._store(org, body)
        if self.state.hang_after_create:
            # The posts exist, but the client hears nothing yet: a crash here is the classic
            # "created, but the id was never saved" case.
            time.sleep(self.state.hang_after_create)
        self.send_json(200, answer)

    def _store(self, org: Org, body: dict[str, Any]) -> list[dict[str, str]]:
        when = datetime.now(UTC) if body["type"] == "now" else parse_iso(body["date"])
        request_group = new_id()
        answer = []
        with self.state.lock:
            for item in body["posts"]:
                group = item.get("group") or request_group
                if body["type"] == "update":
                    org.posts = {k: p for k, p in org.posts.items() if p.group != group}
                channel = org.channels[item["integration"]["id"]]
                post = FakePost(
                    id=new_id(),
                    group=group,
                    channel=channel,
                    type=body["type"],
                    content=item["value"][0]["content"],
                    values=item["value"],
                    settings=item["settings"],
                    publish_date=when,
                    state="DRAFT" if body["type"] == "draft" else "QUEUE",
                )
                org.posts[post.id] = post
                answer.append({"postId": post.id, "integration": channel.id})
        return answer

    def _delete_post(self, org: Org, *, arg: str, **_: Any) -> None:
        with self.state.lock:
            post = org.posts.get(arg)
            if post is None:
                self.send_json(404, {"statusCode": 404, "message": "Post not found"})
                return
            org.posts = {k: p for k, p in org.posts.items() if p.group != post.group}
        self.send_json(200, {"error": True})  # sic: Postiz's answer to a successful delete
