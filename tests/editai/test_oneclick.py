"""One click (editai.oneclick): one request makes a project's variants, voiced, captioned and
rendered to a preset (offline: espeak, local analysis), and publishes them through the fake
Postiz when asked, in one job."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from library.models import Clip, ClipStatus, Job, JobStatus, Voiceover
from library.tasks import run_job
from profiles.models import Profile
from profiles.tenancy import profile_scope
from publishing.models import PostizCall, Publication, PublicationStatus
from tests.conftest import api_client_for
from tests.fakes.postiz import KEY_A
from tests.fakes.server import Running
from tests.library.helpers import upload
from tests.media import BBB, CHAPLIN
from tests.publishing.test_publish import PUB, _assert_sent_at, _no_naps, _posts, _run, _slot_comes

pytestmark = pytest.mark.django_db(transaction=True)
ONE_CLICK = "/api/v1/library/one-click/"


@pytest.fixture
def bbb(cast: Any, sample_media: Path, settings: Any) -> dict:
    settings.ELEVENLABS_API_KEY = ""  # offline: espeak-ng speaks
    return upload(api_client_for(cast.alice), sample_media / BBB).json()


def _probe(path: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_streams", "-show_format", path],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout)


def test_one_click_makes_final_clips_from_one_request(cast: Any, bbb: dict) -> None:
    client = api_client_for(cast.alice)
    response = client.post(ONE_CLICK, {
        "source_video": bbb["id"], "script_text": "Fresh from the meadow: the happiest bunny you will meet today.",
        "variant_count": 2, "target_duration": 6, "preset": "tiktok", "caption_style": {"preset": "pop"},
        "rotate": ["box", "grow"],
    }, format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    job = Job.all_objects.get(pk=response.json()["id"])
    assert job.kind == "one-click" and job.status == JobStatus.QUEUED
    run_job(str(job.pk), profile_id=str(cast.store_a.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.progress == 100
    clips = Clip.all_objects.filter(pk__in=job.result["clips"])
    assert clips.count() == 2
    # The variants differ: each its own caption template (rotate), over the one-click's style.
    assert {c.variant_index: c.caption_style["preset"] for c in clips} == {1: "box", 2: "grow"}
    for clip in clips:
        assert clip.status == ClipStatus.FINAL and clip.final_file and clip.render_info["preset"] == "tiktok"
        # The default layout looks at the footage and says what it chose, and why.
        assert clip.layout == "auto" and clip.render_info["layout"]["used"] in ("track", "pad")
        assert clip.render_info["layout"]["reason"].startswith("auto: ")
        assert clip.render_info["encoder"] == "libx264"  # auto, and this machine has no GPU
        info = _probe(default_storage.path(clip.final_file.name))
        assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}
        # A 540x960 preview was made as well, before any final (issue 19, point 5).
        video = next(s for s in _probe(default_storage.path(clip.preview_file.name))["streams"]
                     if s["codec_type"] == "video")  # fmt: skip
        assert (video["width"], video["height"]) == (540, 960)
    parts = [Job.all_objects.get(pk=pk) for pk in job.result["children"]]
    assert [p.kind for p in parts] == ["clip-preview", "clip-preview", "render", "render"]
    assert max(p.started_at for p in parts[:2]) < min(p.started_at for p in parts[2:])
    assert len(job.result["previews"]) == len(job.result["renders"]) == 2 and "failed" not in job.result
    # Both variants speak the same script: spoken once, the three other renders replay it.
    assert Voiceover.all_objects.count() == 1
    assert all(clip.render_info["voice"]["cached"] for clip in clips)  # the previews spoke first
    assert client.post(ONE_CLICK, {"source_video": bbb["id"], "preset": "vhs"}, format="json").status_code == 400


def test_one_click_hands_publishing_that_must_wait_to_a_job_of_its_own(
    cast: Any, connected: Running, sample_media: Path, settings: Any, monkeypatch: Any
) -> None:
    """Rescheduling one-click would render it all again: it finishes, and a publish job that the
    system started (never refused by the client's queue limit) posts at the slot."""

    settings.ELEVENLABS_API_KEY = ""
    settings.POSTIZ_POSTS_PER_HOUR = 1
    with profile_scope(Profile.objects.get(pk=cast.store_a.pk)):
        PostizCall.objects.create()  # this hour's only post is taken
    monkeypatch.setattr("publishing.services.submit.ctx_sleep", _no_naps)
    client = api_client_for(cast.alice)
    video = upload(client, sample_media / CHAPLIN).json()
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    response = client.post(ONE_CLICK, {
        "source_video": video["id"], "script_text": "Later.", "variant_count": 1, "target_duration": 2,
        "preset": "instagram_reels", "publish": {"integration_ids": [ids["x"]], "caption": "Soon", "type": "now"},
    }, format="json")  # fmt: skip
    one_click = _run(response.json()["id"], cast.store_a)
    assert one_click.status == JobStatus.SUCCEEDED, one_click.error
    follow_up = Job.all_objects.get(kind="publish")
    assert (follow_up.origin, follow_up.status) == ("system", JobStatus.QUEUED)
    _assert_sent_at(follow_up)
    [row] = Publication.all_objects.all()
    assert (row.job_id, row.status) == (follow_up.pk, PublicationStatus.UPLOADING)  # uploaded, not posted
    _slot_comes(follow_up)
    assert _run(str(follow_up.pk), cast.store_a).status == JobStatus.SUCCEEDED
    assert Publication.all_objects.get().status == PublicationStatus.SUBMITTED
    assert len(connected.state.calls_to("POST", "/upload")) == 1  # the upload was not repeated


def test_one_click_renders_and_publishes_in_one_job(
    cast: Any, connected: Running, sample_media: Path, settings: Any
) -> None:

    settings.ELEVENLABS_API_KEY = ""
    client = api_client_for(cast.alice)
    video = upload(client, sample_media / CHAPLIN).json()
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    response = client.post(ONE_CLICK, {
        "source_video": video["id"], "script_text": "The tramp is back.", "variant_count": 1, "target_duration": 3,
        "preset": "instagram_reels",
        "publish": {"integration_ids": [ids["instagram"], ids["tiktok"]], "caption": "Classic", "type": "now"},
    }, format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    job = _run(response.json()["id"], cast.store_a)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert len(job.result["publications"]) == 2
    [create] = connected.state.calls_to("POST", "/posts")
    assert {p["settings"]["__type"] for p in create.body["posts"]} == {"instagram", "tiktok"}
    [upload_call] = connected.state.calls_to("POST", "/upload")
    assert upload_call.body["file"]["size"] > 10_000  # the rendered clip itself
    assert set(Publication.all_objects.values_list("status", flat=True)) == {PublicationStatus.SUBMITTED}


def test_one_click_can_schedule_its_publications(
    cast: Any, connected: Running, sample_media: Path, settings: Any
) -> None:
    """Issue 14, point 13: `publish.type = "schedule"` crashed the job (its `scheduled_at`
    came back from the job's JSON params as a string, compared with a datetime)."""

    settings.ELEVENLABS_API_KEY = ""
    client = api_client_for(cast.alice)
    video = upload(client, sample_media / CHAPLIN).json()
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    when = datetime(2031, 5, 4, 9, 30, tzinfo=UTC)
    body = {"source_video": video["id"], "script_text": "The tramp is back.", "variant_count": 1,
            "target_duration": 3, "publish": {"integration_ids": [ids["tiktok"]], "caption": "Soon", "type": "schedule"}}  # fmt: skip
    # Refused before any work starts: a schedule needs a time, in the future.
    assert "scheduled_at" in str(client.post(ONE_CLICK, body, format="json").json())
    body["publish"]["scheduled_at"] = "2001-01-01T00:00:00Z"
    assert client.post(ONE_CLICK, body, format="json").status_code == 400
    assert not Job.all_objects.filter(kind="one-click").exists()
    body["publish"]["scheduled_at"] = when.isoformat()
    response = client.post(ONE_CLICK, body, format="json")
    assert response.status_code == 202, response.content
    job = _run(response.json()["id"], cast.store_a)
    assert job.status == JobStatus.SUCCEEDED, job.error
    [create] = connected.state.calls_to("POST", "/posts")
    assert create.body["type"] == "schedule"
    [post] = _posts(connected.state, KEY_A)
    assert post.publish_date == when
    [row] = Publication.all_objects.all()
    assert (row.type, row.scheduled_at, row.status) == ("schedule", when, PublicationStatus.SUBMITTED)


def test_a_publishing_refusal_fails_the_job_with_its_reason_and_keeps_the_renders(
    cast: Any, connected: Running, sample_media: Path, settings: Any
) -> None:
    """Publishing's own refusal (an integration the profile's Postiz does not have) reaches the
    job as publishing worded it: no crash, no "Internal error", nothing sent."""
    settings.ELEVENLABS_API_KEY = ""
    client = api_client_for(cast.alice)
    video = upload(client, sample_media / CHAPLIN).json()
    response = client.post(ONE_CLICK, {
        "source_video": video["id"], "variant_count": 1, "target_duration": 2,
        "publish": {"integration_ids": ["no-such-integration"]},
    }, format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    job = _run(response.json()["id"], cast.store_a)
    assert job.status == JobStatus.FAILED
    assert "No integration 'no-such-integration'" in job.error and "Internal error" not in job.error
    assert Clip.all_objects.get(project_id=job.project_id).status == ClipStatus.FINAL  # the render is kept
    assert not Publication.all_objects.exists()
    assert connected.state.calls_to("POST", "/posts") == []
