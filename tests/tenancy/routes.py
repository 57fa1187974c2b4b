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
    # The caller's OWN object in the URL and another profile's row (made by foreign_make) in the
    # body: refused (400/404) with nothing written (tests/proof/test_route_bodies.py).
    foreign_make: Callable[[], Model] | None = None
    body_with_foreign: Callable[[Model], dict] | None = None


@dataclass(frozen=True)
class ScopedCollection:
    """A profile's list/create routes: rows of other profiles never appear, and a body naming
    another profile's rows is refused with nothing written."""

    make: Callable[[], Model] | None = None
    body_with_foreign: Callable[[Model], dict] | None = None
    kwargs: dict = field(default_factory=dict)


Case = Public | UserScoped | Scoped | ScopedCollection

PUBLIC_NAMESPACES = {
    "admin": "Django admin: staff only, and deliberately unscoped for support staff (tests/support/test_admin.py)",
    "rest_framework": "browsable API login/logout pages: no tenant data",
}


def make_in(profile: Any, make: Callable[[], Model]) -> Model:
    with profile_scope(profile):
        return make()


def _methods(callback: Any) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        allowed = callback.cls.http_method_names
        return tuple(sorted(m for m in actions if m in allowed))
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


def _make_transcript() -> Model:
    from library.models import SourceVideo, Transcript

    video = SourceVideo.objects.create(
        name="secret talk", file="x/talk.mp4", thumbnail="x/talk.jpg", sha256="1" * 64, size_bytes=1,
        duration=10.0, width=640, height=360, has_audio=True,
    )  # fmt: skip
    words = [{"text": "Secret.", "start": 0.5, "end": 1.0, "probability": 0.9}]
    return Transcript.objects.create(
        source_video=video, provider="local", model="tiny.en", language="en", text="Secret.", words=words,
        sentences=[{"text": "Secret.", "start": 0.5, "end": 1.0}], mean_probability=0.9, reliable=True,
    )  # fmt: skip


def _make_music_track() -> Model:
    from library.models import MusicTrack

    return MusicTrack.objects.create(name="secret jingle", file="x/music.mp3", size_bytes=1, duration=30.0)


def _make_job() -> Model:
    from library.models import Job, JobStatus

    # Failed and with an output name, so that retry and download would act if the guard failed.
    return Job.objects.create(kind="preview", status=JobStatus.FAILED, output="x/out.mp4", output_name="out.mp4")


def _make_segment() -> Model:
    from library.models import Segment

    video = _make_source_video()
    return Segment.objects.create(source_video=video, start=1.0, end=3.0, keywords=["secret"])


def _make_project() -> Model:
    from library.models import Project, ProjectSegment

    project = Project.objects.create(name="Secret launch", context_text="unreleased")
    ProjectSegment.objects.create(project=project, segment=_make_segment(), position=0)
    return project


def _make_clip() -> Model:
    from library.models import Clip

    return Clip.objects.create(
        project=_make_project(), variant_index=1, raw_file="x/raw.mp4", thumbnail="x/thumb.jpg",
        cut_list=[{"source_video": "x", "start": 0, "end": 1}], duration=1.0,
    )  # fmt: skip


def _make_preset() -> Model:
    from library.models import ExportPreset

    return ExportPreset.objects.create(name="secret-preset", width=720, height=1280)


def _make_tool_job() -> Model:
    """A tool job on a video: the bodies below name its video, and the suite counts jobs, so a
    request naming another profile's video must be refused with no job written."""
    from library.models import Job

    return Job.objects.create(kind="tool-trim", source_video=_make_source_video())


def _tool_body(**extra: Any) -> Callable[[Model], dict]:
    return lambda job: {"source_video": str(job.source_video_id), **extra}


def _make_publication() -> Model:
    from publishing.models import Publication

    return Publication.objects.create(
        clip=_make_clip(), integration_id="a-x", integration_identifier="x", caption="secret", group="g" * 32,
        settings={"__type": "x"},
    )  # fmt: skip


def _make_brand_kit() -> Model:
    from library.models import BrandKit

    return BrandKit.objects.create(highlight_color="#123456", intro_template="closing",
                                   intro_fields={"call_to_action": "secret sale"})  # fmt: skip


def _api_key_id_of(profile: Any) -> dict:
    """The URL of one API key of `profile` (made in its scope), under that profile."""
    from tests.factories import ProfileAPIKeyFactory

    return {"pk": profile.pk, "key_id": ProfileAPIKeyFactory.create(profile=profile).pk}


def _make_webhook() -> Model:
    from webhooks.models import Webhook

    return Webhook.objects.create(url="https://93.184.215.14/secret-hook", events=["job.succeeded"], secret="whsec_x")


def _make_delivery() -> Model:
    from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent

    event = WebhookEvent.objects.create(type="job.succeeded", body='{"data":"secret"}')
    # Finished, so that replay would act if the guard failed.
    return WebhookDelivery.objects.create(webhook=_make_webhook(), event=event, status=DeliveryStatus.FAILED)


def _delivery_url(delivery: Model) -> dict:
    return {"webhook_pk": delivery.webhook_id, "pk": delivery.pk}  # type: ignore[attr-defined]


AUTH = "authentication: acts only on the caller's own account and tokens"

ROUTES: dict[str, Case] = {
    "home": Public("redirect to the API root"),
    "api-root": Public("links only"),
    "health": Public("system health: no tenant data"),
    "providers-status": Public("install-wide provider configuration: no tenant data"),
    "schema": Public("OpenAPI document"),
    "docs": Public("Swagger UI page"),
    "api-auth-login": Public("browsable API login form (failed-login limits: tests/profiles/test_auth_limits.py)"),
    "admin-login": Public("admin login form (failed-login limits: tests/profiles/test_auth_limits.py)"),
    "auth-register": Public(AUTH),
    "auth-token": Public(AUTH),
    "auth-token-refresh": Public(AUTH),
    "auth-logout": Public(AUTH),
    "auth-me": Public(AUTH),
    "profile-list": UserScoped(),
    "profile-detail": UserScoped(kwargs=lambda p: {"pk": p.pk}, body={"name": "hijacked"}),
    "profile-set-default": UserScoped(kwargs=lambda p: {"pk": p.pk}),
    "profile-dashboard": UserScoped(kwargs=lambda p: {"pk": p.pk}),
    "profile-api-key-list": UserScoped(kwargs=lambda p: {"pk": p.pk}, body={"name": "hijacker"}),
    "profile-api-key-detail": UserScoped(kwargs=_api_key_id_of),
    "webhook-list": ScopedCollection(make=_make_webhook),
    "webhook-detail": Scoped(
        make=_make_webhook, body=lambda w: {"url": "https://93.184.215.14/mine", "events": ["job.failed"]}
    ),
    "webhook-rotate-secret": Scoped(make=_make_webhook, snapshot=lambda w: (w.secret, w.updated_at)),
    "webhook-ping": Scoped(make=_make_webhook),
    # A webhook's deliveries: another profile's webhook in the URL answers 404.
    "webhook-delivery-list": Scoped(make=_make_webhook, kwargs=lambda w: {"webhook_pk": w.pk}),
    "webhook-delivery-detail": Scoped(make=_make_delivery, kwargs=_delivery_url),
    "webhook-delivery-replay": Scoped(make=_make_delivery, kwargs=_delivery_url),
    "cost-entry-list": ScopedCollection(make=_make_cost_entry),
    "cost-entry-detail": Scoped(make=_make_cost_entry),
    "cost-summary": ScopedCollection(make=_make_cost_entry),
    "cost-usage": ScopedCollection(make=_make_cost_entry),
    "source-video-list": ScopedCollection(make=_make_source_video),
    "source-video-detail": Scoped(make=_make_source_video, body=lambda obj: {"name": "hijacked"}),
    "source-video-stream": Scoped(make=_make_source_video),
    "source-video-thumbnail": Scoped(make=_make_source_video),
    "source-video-analyze": Scoped(make=_make_source_video, body=lambda v: {"provider": "local"}),
    "source-video-transcribe": Scoped(
        make=_make_transcript, kwargs=lambda t: {"pk": t.source_video_id}, body=lambda t: {"provider": "local"}
    ),  # fmt: skip
    "source-video-transcript": Scoped(
        make=_make_transcript,
        kwargs=lambda t: {"pk": t.source_video_id},
        body=lambda t: {"words": [{"index": 0, "text": "hijacked"}]},
    ),  # fmt: skip
    "music-track-list": ScopedCollection(make=_make_music_track),
    "music-track-detail": Scoped(make=_make_music_track, body=lambda obj: {"name": "hijacked"}),
    "music-track-stream": Scoped(make=_make_music_track),
    "job-list": ScopedCollection(make=_make_job),
    "job-detail": Scoped(make=_make_job),
    "job-cancel": Scoped(make=_make_job),
    "job-retry": Scoped(make=_make_job),
    "job-download": Scoped(make=_make_job),
    "segment-list": ScopedCollection(
        make=_make_segment,
        body_with_foreign=lambda seg: {"source_video": str(seg.source_video_id), "start": 0, "end": 1},
    ),
    "segment-detail": Scoped(make=_make_segment, body=lambda seg: {"notes": "hijacked"}),
    "segment-favorite": Scoped(make=_make_segment, body=lambda seg: {"is_favorite": True}),
    "project-list": ScopedCollection(make=_make_project),
    "project-detail": Scoped(make=_make_project, body=lambda p: {"name": "hijacked"}),
    "project-progress": Scoped(make=_make_project),
    "project-assign-segments": Scoped(
        make=_make_project,
        body=lambda p: {"segments": []},
        foreign_make=_make_segment,
        body_with_foreign=lambda seg: {"segments": [str(seg.pk)]},
    ),
    "project-generate": Scoped(
        make=_make_project,
        body=lambda p: {"source_video": str(p.source_video_id), "variant_count": 1},
        foreign_make=_make_source_video,
        body_with_foreign=lambda v: {"source_video": str(v.pk), "variant_count": 1},
    ),
    "project-generate-from-segments": Scoped(
        make=_make_project, body=lambda p: {"variant_count": 1, "selection_mode": "random"}
    ),
    "clip-list": ScopedCollection(make=_make_clip),
    "clip-detail": Scoped(make=_make_clip),
    "clip-select": Scoped(make=_make_clip, body=lambda c: {"selected": True}),
    "clip-bulk-select": ScopedCollection(make=_make_clip, body_with_foreign=lambda c: {"clips": [str(c.pk)]}),
    "clip-download": Scoped(make=_make_clip),
    "clip-thumbnail": Scoped(make=_make_clip),
    "clip-content": Scoped(make=_make_clip, body=lambda c: {"script_text": "hijacked"}),
    "clip-render": Scoped(
        make=_make_clip,
        body=lambda c: {"preset": "tiktok"},
        foreign_make=_make_preset,
        body_with_foreign=lambda p: {"preset": p.name},  # another store's own preset
    ),
    "clip-bulk-render": ScopedCollection(make=_make_clip, body_with_foreign=lambda c: {"clips": [str(c.pk)]}),
    "segment-match-script": ScopedCollection(make=_make_segment),
    "preset-list": ScopedCollection(make=_make_preset),
    "preset-detail": Scoped(make=_make_preset, kwargs=lambda p: {"name": p.name}, body=lambda p: {"crf": 30}),
    "one-click": ScopedCollection(
        make=_make_source_video, body_with_foreign=lambda v: {"source_video": str(v.pk), "variant_count": 1}
    ),
    "publication-list": ScopedCollection(
        make=_make_publication, body_with_foreign=lambda p: {"clip": str(p.clip_id), "integration_ids": ["a-x"]}
    ),
    "publication-detail": Scoped(make=_make_publication),
    "publication-analytics": Scoped(make=_make_publication),
    "clip-analytics": Scoped(make=_make_clip),
    "publishing-bulk": ScopedCollection(
        make=_make_clip,
        body_with_foreign=lambda c: {
            "clips": [str(c.pk)],
            "integration_ids": ["a-x"],
            "start_at": "2030-01-01T00:00:00Z",
            "interval_minutes": 30,
        },
    ),  # fmt: skip
    "publishing-status": ScopedCollection(),
    "publishing-integrations": ScopedCollection(),
    "publishing-sync": ScopedCollection(),
    "tts-voices": ScopedCollection(),
    "tts-generate": ScopedCollection(),
    "tts-clone-voice": ScopedCollection(),
    # video-info also answers GET (?source_video=), which is 400 without one, so the suite's
    # list check does not apply; tests/library/test_tools_api.py covers foreign ids there.
    "tools-video-info": ScopedCollection(),
    "tools-trim": ScopedCollection(make=_make_tool_job, body_with_foreign=_tool_body(start=0, end=1, mode="fast")),
    "tools-concatenate": ScopedCollection(
        make=_make_tool_job,
        body_with_foreign=lambda job: {"items": [{"source_video": str(job.source_video_id)}] * 2},
    ),
    "tools-detect-voice": ScopedCollection(make=_make_tool_job, body_with_foreign=_tool_body()),
    "tools-mute-voice": ScopedCollection(make=_make_tool_job, body_with_foreign=_tool_body(mode="duck")),
    "tools-add-voiceover": ScopedCollection(
        make=_make_tool_job, body_with_foreign=lambda job: {"source_videos": [str(job.source_video_id)], "text": "hi"}
    ),
    # The profile's one brand kit (no id in the URL): each profile sees and changes only its own.
    "brand-kit": ScopedCollection(make=_make_brand_kit),
    "brand-kit-logo": ScopedCollection(),
    "brand-kit-font": ScopedCollection(),
    "tools-templates": ScopedCollection(),
    "tools-template-render": ScopedCollection(
        make=_make_tool_job,
        body_with_foreign=_tool_body(fields={"full_name": "Ada", "role": "CTO"}),
        kwargs={"name": "intro"},
    ),
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
