"""Support staff, and a world with one row of every model in two users' stores."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_q.models import Task

from costs.models import CostEntry
from costs.services import budget_reserve
from library.models import (
    Clip,
    ExportPreset,
    Job,
    JobStatus,
    Project,
    ProjectSegment,
    Segment,
    SourceVideo,
    VideoAnalysis,
)
from profiles.models import Profile
from profiles.tenancy import profile_scope
from publishing.models import PostizCall, Publication
from tests import factories as f
from tests.conftest import PASSWORD, Cast
from tests.costs.utils import record_in

POSTIZ_KEYS = {"alice": "pz-secret-alice-7f3a9c0e11d24b6b", "bob": "pz-secret-bob-0c9d8e7f6a5b4c3d"}


def make_support_user(username: str = "sam") -> Any:
    call_command("createsupportuser", "--username", username, "--email", f"{username}@example.com",
                 "--password", PASSWORD, stdout=StringIO())  # fmt: skip
    return get_user_model().objects.get(username=username)


@pytest.fixture
def support_user(db: Any) -> Any:
    return make_support_user()


@pytest.fixture
def support_client(support_user: Any) -> Client:
    client = Client()
    client.force_login(support_user)
    return client


@dataclass
class Store:
    """One row of every model, in one profile."""

    profile: Profile
    video: SourceVideo
    analysis: VideoAnalysis
    segment: Segment
    project: Project
    assignment: ProjectSegment
    clip: Clip
    preset: ExportPreset
    job: Job
    cost: CostEntry
    publication: Publication
    postiz_call: PostizCall

    def rows(self) -> list[Any]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


def fill_store(profile: Profile, tag: str) -> Store:
    Profile.objects.filter(pk=profile.pk).update(postiz_api_url="http://127.0.0.1:9/")
    profile.refresh_from_db()
    profile.postiz_api_key = POSTIZ_KEYS[tag]
    profile.save(update_fields=["postiz_api_key"])
    mine = {"profile": profile}
    video = f.SourceVideoFactory(
        **mine, name=f"{tag} footage", file=f"{profile.pk}/videos/{uuid.uuid4()}.mp4", sha256="0" * 64, size_bytes=1,
        duration=30.0, width=1280, height=720,
    )  # fmt: skip
    analysis = f.VideoAnalysisFactory(**mine, source_video=video, model="ffmpeg", context_hash="0")
    segment = f.SegmentFactory(**mine, source_video=video, analysis=analysis, start=1.0, end=4.0, score=80)
    project = f.ProjectFactory(**mine, name=f"{tag} launch", source_video=video)
    assignment = f.ProjectSegmentFactory(**mine, project=project, segment=segment, position=0)
    clip = f.ClipFactory(**mine, project=project, variant_index=1, cut_list=[{"start": 1.0, "end": 4.0}], raw_file="")
    preset = f.ExportPresetFactory(**mine, name=f"{tag}-square", width=1080, height=1080)
    job = f.JobFactory(**mine, kind="render", status=JobStatus.FAILED, error="boom", project=project, clip=clip)
    publication = f.PublicationFactory(**mine, clip=clip, job=job, integration_id=f"{tag}-ig", caption="")
    postiz_call = f.PostizCallFactory(**mine)
    with profile_scope(profile):
        budget_reserve(job_id=job.pk, operation="render", estimate_usd=Decimal("0.10"))
    cost = record_in(profile, "0.20", job_id=job.pk)
    Task.objects.create(
        id=uuid.uuid4().hex, name=f"render:{job.pk}", func="library.tasks.run_job", group=str(profile.pk),
        started=timezone.now(), stopped=timezone.now(), success=True, kwargs={"profile_id": str(profile.pk)},
    )  # fmt: skip
    return Store(profile, video, analysis, segment, project, assignment, clip, preset, job, cost, publication,
                 postiz_call)  # fmt: skip


@dataclass
class World:
    cast: Cast
    alice: Store
    bob: Store


@pytest.fixture
def world(cast: Cast) -> World:
    return World(cast=cast, alice=fill_store(cast.store_a, "alice"), bob=fill_store(cast.bob_store, "bob"))
