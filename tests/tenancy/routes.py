"""Walks the URLconf and says how each route must keep profiles apart.

Every route is classified here: `Public` (with the reason it needs no tenant), `UserScoped`
(the caller's own profiles), `Scoped` (one object of a profile, by id in the URL) or
`ScopedCollection` (lists and creates of a profile's rows). A route missing from ROUTES fails
the suite, so no later route slips past it. Apps add their routes to ROUTES as they grow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver

from profiles.tenancy import profile_scope


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    methods: tuple[str, ...]


@dataclass(frozen=True)
class Public:
    reason: str


@dataclass(frozen=True)
class UserScoped:
    """Routes on the caller's own profiles: another user's profile id answers 404."""

    kwargs: Callable[[Any], dict] | None = None  # None: a collection route
    body: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scoped:
    """One object of a profile, addressed by id: another profile's object answers 404."""

    make: Callable[[], Model]  # called inside the owner's profile scope
    kwargs: Callable[[Model], dict] = lambda obj: {"pk": obj.pk}
    body: Callable[[Model], dict] = lambda obj: {}
    # Whatever a request must not change; default: every field of the row.
    snapshot: Callable[[Model], Any] | None = None


@dataclass(frozen=True)
class ScopedCollection:
    """A profile's list/create routes: rows of other profiles never appear, and a body naming
    another profile's rows is refused with nothing written."""

    make: Callable[[], Model] | None = None
    body_with_foreign: Callable[[Model], dict] | None = None
    kwargs: dict = field(default_factory=dict)


Case = Public | UserScoped | Scoped | ScopedCollection

PUBLIC_NAMESPACES = {
    "admin": "Django admin: staff only, and deliberately unscoped for support staff (tests/profiles/test_admin.py)",
    "rest_framework": "browsable API login/logout pages: no tenant data",
}


def make_in(profile: Any, make: Callable[[], Model]) -> Model:
    with profile_scope(profile):
        return make()


def _methods(callback: Any) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(actions))
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return ("get",)
    return tuple(
        m for m in view_class.http_method_names if m not in ("options", "head", "trace") and hasattr(view_class, m)
    )


def iter_routes(patterns: Any = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_routes(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            name = entry.name or str(entry.pattern)
            yield Route(
                name=f"{namespace}:{name}" if namespace else name,
                pattern=prefix + str(entry.pattern),
                methods=_methods(entry.callback),
            )


def _make_note() -> Model:
    from tests.scopedapp.models import Note

    return Note.objects.create(title="secret plan")


def _make_cost_entry() -> Model:
    from costs.services import cost_entry_record

    return cost_entry_record(
        provider="elevenlabs", model="eleven_multilingual_v2", operation="tts", units={"characters": 1234}
    )


def _make_source_video() -> Model:
    from library.models import SourceVideo

    return SourceVideo.objects.create(
        name="secret product", file="x/video.mp4", thumbnail="x/video.jpg", sha256="0" * 64, size_bytes=1,
        duration=10.0, width=640, height=360,
    )  # fmt: skip


def _make_job() -> Model:
    from library.models import Job, JobStatus

    # Failed and with an output name, so that retry and download would act if the guard failed.
    return Job.objects.create(kind="preview", status=JobStatus.FAILED, output="x/out.mp4", output_name="out.mp4")


AUTH = "authentication: acts only on the caller's own account and tokens"

ROUTES: dict[str, Case] = {
    "home": Public("redirect to the API root"),
    "api-root": Public("links only"),
    "health": Public("system health: no tenant data"),
    "providers-status": Public("install-wide provider configuration: no tenant data"),
    "schema": Public("OpenAPI document"),
    "docs": Public("Swagger UI page"),
    "auth-register": Public(AUTH),
    "auth-token": Public(AUTH),
    "auth-token-refresh": Public(AUTH),
    "auth-logout": Public(AUTH),
    "auth-me": Public(AUTH),
    "profile-list": UserScoped(),
    "profile-detail": UserScoped(kwargs=lambda p: {"pk": p.pk}, body={"name": "hijacked"}),
    "profile-set-default": UserScoped(kwargs=lambda p: {"pk": p.pk}),
    "profile-dashboard": UserScoped(kwargs=lambda p: {"pk": p.pk}),
    "cost-entry-list": ScopedCollection(make=_make_cost_entry),
    "cost-entry-detail": Scoped(make=_make_cost_entry),
    "cost-summary": ScopedCollection(make=_make_cost_entry),
    "cost-usage": ScopedCollection(make=_make_cost_entry),
    "source-video-list": ScopedCollection(make=_make_source_video),
    "source-video-detail": Scoped(make=_make_source_video, body=lambda obj: {"name": "hijacked"}),
    "source-video-stream": Scoped(make=_make_source_video),
    "source-video-thumbnail": Scoped(make=_make_source_video),
    "job-list": ScopedCollection(make=_make_job),
    "job-detail": Scoped(make=_make_job),
    "job-cancel": Scoped(make=_make_job),
    "job-retry": Scoped(make=_make_job),
    "job-download": Scoped(make=_make_job),
    # Test-only routes (tests.scopedapp) prove the core before the product's models exist.
    "note-list": ScopedCollection(make=_make_note, body_with_foreign=lambda obj: {"title": "mine", "parent": obj.pk}),
    "note-detail": Scoped(make=_make_note, body=lambda obj: {"title": "hijacked"}),
    "scope-probe": ScopedCollection(),
}


def classify(route: Route) -> Case | None:
    if route.name in ROUTES:
        return ROUTES[route.name]
    namespace = route.name.split(":", 1)[0] if ":" in route.name else None
    if namespace in PUBLIC_NAMESPACES:
        return Public(PUBLIC_NAMESPACES[namespace])
    return None
