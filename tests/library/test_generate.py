"""Generating 9:16 variants from real footage with the local analysis (in-process runner)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from library.models import Clip, Job, JobStatus, Project, ProjectStatus, Segment, VideoAnalysis
from library.tasks import run_job
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.library.helpers import temp_entries, upload
from tests.media import BBB

pytestmark = pytest.mark.django_db(transaction=True)
PROJECTS = "/api/v1/library/projects/"


def _probe(name: str) -> dict[str, str]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,width,height,pix_fmt:format=duration", "-of",
         "default=nw=1", default_storage.path(name)], capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    values: dict[str, str] = {}
    for line in out.splitlines():
        key, _, value = line.partition("=")
        values.setdefault(key, value)
    return values


def _run(job_id: str, profile: Any) -> Job:
    run_job(job_id, profile_id=str(profile.pk))
    return Job.all_objects.get(pk=job_id)


@pytest.fixture
def bbb(cast: Any, sample_media: Path, settings: Any) -> dict:
    settings.GEMINI_API_KEY = ""
    return upload(api_client_for(cast.alice), sample_media / BBB).json()


def test_three_ten_second_variants_from_bbb(cast: Any, bbb: dict) -> None:
    client = api_client_for(cast.alice)
    project = client.post(PROJECTS, {"name": "Bunny", "target_duration": 10}, format="json").json()
    response = client.post(f"{PROJECTS}{project['id']}/generate/", {"source_video": bbb["id"], "variant_count": 3},
                           format="json")  # fmt: skip
    assert response.status_code == 202
    job = _run(response.json()["id"], cast.store_a)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["analysis"]["provider"] == "local" and job.result["analysis"]["cached"] is False
    clips = list(Clip.all_objects.filter(project_id=project["id"]).order_by("variant_index"))
    assert len(clips) == 3
    for clip in clips:
        info = _probe(clip.raw_file.name)
        assert (info["width"], info["height"], info["pix_fmt"]) == ("1080", "1920", "yuv420p")
        assert abs(float(info["duration"]) - 10) <= 1.0
        assert abs(clip.duration - 10) <= 1.0
        assert default_storage.exists(clip.thumbnail.name)
        assert all(c["source_video"] == bbb["id"] for c in clip.cut_list)
    cut_lists = [tuple((c["start"], c["end"]) for c in clip.cut_list) for clip in clips]
    assert len(set(cut_lists)) == 3
    assert Project.all_objects.get(pk=project["id"]).status == ProjectStatus.READY
    assert Segment.all_objects.filter(origin="ai", source_video_id=bbb["id"]).exists()
    assert temp_entries(cast.store_a) == []
    listed = client.get("/api/v1/library/clips/", {"project": project["id"]}).json()
    assert listed["count"] == 3 and listed["results"][0]["raw_url"]


def test_generating_again_reuses_the_analysis(cast: Any, bbb: dict) -> None:
    client = api_client_for(cast.alice)
    project = client.post(PROJECTS, {"name": "Again", "target_duration": 4}, format="json").json()
    url = f"{PROJECTS}{project['id']}/generate/"
    first = _run(
        client.post(url, {"source_video": bbb["id"], "variant_count": 1}, format="json").json()["id"], cast.store_a
    )
    second = _run(
        client.post(url, {"source_video": bbb["id"], "variant_count": 1}, format="json").json()["id"], cast.store_a
    )
    assert first.status == second.status == JobStatus.SUCCEEDED
    assert second.result["analysis"]["cached"] is True
    assert VideoAnalysis.all_objects.count() == 1
    assert Clip.all_objects.filter(project_id=project["id"]).count() == 2


def test_generate_from_assigned_segments_records_its_seed(cast: Any, bbb: dict) -> None:
    client = api_client_for(cast.alice)
    with profile_scope(cast.store_a):
        segments = [
            Segment.objects.create(source_video_id=bbb["id"], start=s, end=s + 3, score=s) for s in (2, 8, 14, 20)
        ]
    project = client.post(PROJECTS, {"name": "Picked", "target_duration": 5}, format="json").json()
    client.post(
        f"{PROJECTS}{project['id']}/assign-segments/", {"segments": [str(s.pk) for s in segments]}, format="json"
    )
    response = client.post(f"{PROJECTS}{project['id']}/generate-from-segments/",
                           {"variant_count": 2, "selection_mode": "random", "seed": 1234}, format="json")  # fmt: skip
    job = _run(response.json()["id"], cast.store_a)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["seed"] == 1234
    clips = list(Clip.all_objects.filter(project_id=project["id"]))
    assert len(clips) == 2 and all(c.selection["seed"] == 1234 for c in clips)
    used = {c["segment"] for clip in clips for c in clip.cut_list}
    assert used <= {str(s.pk) for s in segments}
    assert Segment.all_objects.filter(pk__in=[s.pk for s in segments], usage_count__gt=0).exists()


def test_a_failed_generation_says_why_on_the_project(cast: Any, bbb: dict) -> None:
    client = api_client_for(cast.alice)
    project = client.post(PROJECTS, {"name": "Broken", "target_duration": 4}, format="json").json()
    job_id = client.post(f"{PROJECTS}{project['id']}/generate/", {"source_video": bbb["id"], "variant_count": 1},
                         format="json").json()["id"]  # fmt: skip
    with profile_scope(cast.store_a):
        from library.models import SourceVideo

        stored = default_storage.path(SourceVideo.objects.get(pk=bbb["id"]).file.name)
    Path(stored).write_bytes(b"not a video any more")
    job = _run(job_id, cast.store_a)
    assert job.status == JobStatus.FAILED
    project_row = Project.all_objects.get(pk=project["id"])
    assert project_row.status == ProjectStatus.FAILED
    assert project_row.status_reason == job.error and project_row.status_reason
    assert not Clip.all_objects.filter(project_id=project["id"]).exists()
    assert temp_entries(cast.store_a) == []
