"""factory_boy factories for every model of the product apps (tests/test_factories.py checks
that none is missing). Scoped rows are created inside their profile's scope."""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils import timezone

from costs.models import BudgetReservation, CostEntry, Provider
from library import storage
from library.models import (
    BrandKit,
    Clip,
    ClipStatus,
    ClonedVoice,
    ExportPreset,
    Job,
    JobStatus,
    MusicTrack,
    Project,
    ProjectSegment,
    Segment,
    SourceVideo,
    SubjectTrack,
    Transcript,
    VideoAnalysis,
    Voiceover,
)
from profiles.models import Profile, ProfileAPIKey
from profiles.tenancy import profile_scope
from publishing.models import PostizCall, Publication, PublicationStat, PublicationStatus
from tests.media import make_video
from webhooks.models import Webhook, WebhookDelivery, WebhookEvent
from webhooks.signing import secret_generate


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    is_default = False


# --- Profile-scoped rows ---------------------------------------------------------------------
# Scoped models refuse to save outside a profile scope; every factory below creates its row inside
# the scope of its `profile` (a new profile unless given), and related rows follow that profile.


def tiny_video() -> Path:
    """A real 1 s, 160x120 H.264/AAC mp4 (made once per test process) for rows that need bytes."""
    path = _TINY_DIR / "tiny.mp4"
    if not path.exists():
        _TINY_DIR.mkdir(parents=True, exist_ok=True)
        make_video(path.with_suffix(".part.mp4"), seconds=1.0, size="160x120", rate=10)
        path.with_suffix(".part.mp4").rename(path)
    return path


_TINY_DIR = Path(tempfile.gettempdir()) / f"editai-factories-{os.getpid()}"


def _stored(name: str) -> Any:
    """A LazyAttribute that stores the tiny video under <profile_id>/<name> and returns its name."""
    return factory.LazyAttribute(lambda o: storage.store_file(tiny_video(), f"{o.profile.pk}/{name}"))


def _same_profile(sub: type[factory.django.DjangoModelFactory], **kwargs: Any) -> Any:
    return factory.SubFactory(sub, profile=factory.SelfAttribute("..profile"), **kwargs)


class ScopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    profile = factory.SubFactory(ProfileFactory)

    @classmethod
    def _create(cls, model_class: type[Model], *args: Any, **kwargs: Any) -> Model:
        with profile_scope(kwargs["profile"]):
            return super()._create(model_class, *args, **kwargs)


class SourceVideoFactory(ScopedFactory):
    """A video row with made-up file names; `stored=True` puts a real tiny mp4 behind `file`."""

    class Meta:
        model = SourceVideo

    class Params:
        stored = factory.Trait(file=_stored("videos/tiny.mp4"), width=160, height=120, fps=10.0, has_audio=True)

    name = factory.Sequence(lambda n: f"Product video {n}")
    file = factory.LazyAttribute(lambda o: f"{o.profile.pk}/videos/missing.mp4")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size_bytes = 1000
    duration = 10.0
    width = 640
    height = 360


class TranscriptFactory(ScopedFactory):
    """Two spoken sentences over the first 3 s of a video, as the local provider would store them."""

    class Meta:
        model = Transcript

    source_video = _same_profile(SourceVideoFactory)
    provider = "local"
    model = "tiny.en"
    language = "en"
    text = "This lamp folds flat. It costs twenty dollars."
    words = factory.LazyFunction(
        lambda: [
            {"text": w, "start": round(i * 0.35, 2), "end": round(i * 0.35 + 0.3, 2), "probability": 0.9}
            for i, w in enumerate(["This", "lamp", "folds", "flat.", "It", "costs", "twenty", "dollars."])
        ]
    )
    sentences = factory.LazyFunction(
        lambda: [
            {"text": "This lamp folds flat.", "start": 0.0, "end": 1.35},
            {"text": "It costs twenty dollars.", "start": 1.4, "end": 2.75},
        ]
    )
    mean_probability = 0.9
    reliable = True
    duration = 10.0


class SubjectTrackFactory(ScopedFactory):
    """A cached crop path: the window held at the centre over the first 4 s of a video."""

    class Meta:
        model = SubjectTrack

    source_video = _same_profile(SourceVideoFactory)
    start = 0.0
    end = 4.0
    subject = "none"
    path = factory.LazyFunction(
        lambda: {"times": [0.0, 4.0], "centres": [0.5, 0.5], "cuts": [], "subject": "none", "confidence": 0.0,
                 "zoom": 5.333, "faces": []}  # fmt: skip
    )


class VideoAnalysisFactory(ScopedFactory):
    class Meta:
        model = VideoAnalysis

    source_video = _same_profile(SourceVideoFactory)
    provider = "local"
    model = "local-v1"
    context_hash = factory.Sequence(lambda n: f"{n:064x}")


class SegmentFactory(ScopedFactory):
    class Meta:
        model = Segment

    source_video = _same_profile(SourceVideoFactory)
    start = 1.0
    end = 3.0
    keywords = factory.LazyFunction(lambda: ["shoe"])


class ProjectFactory(ScopedFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Launch {n}")
    target_duration = 15.0


class ProjectSegmentFactory(ScopedFactory):
    class Meta:
        model = ProjectSegment

    project = _same_profile(ProjectFactory)
    segment = _same_profile(SegmentFactory)
    position = factory.Sequence(lambda n: n)


class ClipFactory(ScopedFactory):
    """A raw variant; `stored=True` puts the tiny mp4 behind raw_file."""

    class Meta:
        model = Clip

    class Params:
        stored = factory.Trait(raw_file=_stored("clips/raw.mp4"))

    project = _same_profile(ProjectFactory)
    variant_index = factory.Sequence(lambda n: n + 1)
    cut_list = factory.LazyFunction(lambda: [{"source_video": "x", "start": 0.0, "end": 1.0}])
    raw_file = factory.LazyAttribute(lambda o: f"{o.profile.pk}/clips/missing-raw.mp4")
    duration = 1.0
    status = ClipStatus.RAW


class JobFactory(ScopedFactory):
    """A queued job row (nothing enqueued): tests/jobs.py runs it when a test needs to."""

    class Meta:
        model = Job

    kind = "preview"
    status = JobStatus.QUEUED


class ExportPresetFactory(ScopedFactory):
    class Meta:
        model = ExportPreset

    name = factory.Sequence(lambda n: f"preset-{n}")
    width = 720
    height = 1280


class BrandKitFactory(ScopedFactory):
    """A profile's brand kit with colours and an intro card (the upload tests store real files)."""

    class Meta:
        model = BrandKit

    highlight_color = "#FF3366"
    card_color = "#102040"
    intro_template = "announcement"
    intro_fields = factory.LazyFunction(lambda: {"headline": "New in store"})


class ClonedVoiceFactory(ScopedFactory):
    class Meta:
        model = ClonedVoice

    voice_id = factory.Sequence(lambda n: f"cloned-voice-{n}")
    name = factory.Sequence(lambda n: f"Voice {n}")


class MusicTrackFactory(ScopedFactory):
    """A music row with a made-up file name (the upload tests store real ones)."""

    class Meta:
        model = MusicTrack

    name = factory.Sequence(lambda n: f"Track {n}")
    file = factory.LazyAttribute(lambda o: f"{o.profile.pk}/music/missing.mp3")
    size_bytes = 1000
    duration = 30.0
    codec = "mp3"


class VoiceoverFactory(ScopedFactory):
    """A cached voiceover row with a made-up file name (the cache tests store real ones)."""

    class Meta:
        model = Voiceover

    key = factory.Sequence(lambda n: f"{n:064x}")
    provider = "espeak"
    model = "espeak-ng"
    voice_id = "en-us"
    file = factory.LazyAttribute(lambda o: f"{o.profile.pk}/voiceovers/{o.key}.wav")
    words = factory.LazyFunction(lambda: [{"word": "Hello.", "start": 0.1, "end": 0.5}])
    duration = 0.8
    characters = 6
    last_used_at = factory.LazyFunction(timezone.now)


class CostEntryFactory(ScopedFactory):
    """A ledger row as written by hand; costs.services.cost_entry_record prices real calls."""

    class Meta:
        model = CostEntry

    provider = Provider.ELEVENLABS
    model = "eleven_multilingual_v2"
    operation = "tts"
    units = factory.LazyFunction(lambda: {"characters": 100})
    cost_usd = Decimal("0.030000")


class BudgetReservationFactory(ScopedFactory):
    class Meta:
        model = BudgetReservation

    job_id = factory.LazyFunction(uuid.uuid4)
    operation = "tts"
    estimate_usd = Decimal("0.050000")


class PublicationFactory(ScopedFactory):
    class Meta:
        model = Publication

    clip = _same_profile(ClipFactory)
    integration_id = factory.Sequence(lambda n: f"int-{n}")
    integration_identifier = "instagram"
    caption = "hello"
    group = factory.Sequence(lambda n: f"{n:032x}")
    settings = factory.LazyFunction(lambda: {"__type": "instagram"})
    status = PublicationStatus.QUEUED


class PostizCallFactory(ScopedFactory):
    class Meta:
        model = PostizCall


# --- Integrations: API keys and webhooks (issue 20) ------------------------------------------


class ProfileAPIKeyFactory(ScopedFactory):
    """A key row with a real hash (the key itself is on the row as `raw`, for tests only)."""

    class Meta:
        model = ProfileAPIKey

    name = factory.Sequence(lambda n: f"Key {n}")

    @classmethod
    def _create(cls, model_class: type[Model], *args: Any, **kwargs: Any) -> Model:
        with profile_scope(kwargs["profile"]):
            key = model_class(**kwargs)
            key.raw = ProfileAPIKey.objects.assign_key(key)  # type: ignore[attr-defined]
            key.save()
            return key


class WebhookFactory(ScopedFactory):
    class Meta:
        model = Webhook

    url = "https://93.184.215.14/hooks/editai"  # a public address: no DNS needed to validate it
    events = factory.LazyFunction(lambda: ["job.succeeded"])
    secret = factory.LazyFunction(secret_generate)


class WebhookEventFactory(ScopedFactory):
    class Meta:
        model = WebhookEvent

    type = "job.succeeded"
    body = '{"type":"job.succeeded","timestamp":"2030-01-01T00:00:00Z","data":{"job":{}}}'


class WebhookDeliveryFactory(ScopedFactory):
    class Meta:
        model = WebhookDelivery

    webhook = _same_profile(WebhookFactory)
    event = _same_profile(WebhookEventFactory)


class PublicationStatFactory(ScopedFactory):
    class Meta:
        model = PublicationStat

    publication = _same_profile(PublicationFactory, status=PublicationStatus.PUBLISHED)
    date = factory.Sequence(lambda n: date(2030, 1, 1) + timedelta(days=n))
    views = 100
    likes = 5
