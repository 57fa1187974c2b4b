"""Issue 19, point 5: previews. One-click with full_render "selected" makes a 540x960 preview
of each variant (job kind "clip-preview") and no final; the user renders the ones they pick."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage

from library.jobs.registry import JobError
from library.models import Clip, ClipStatus, Job, JobStatus
from library.tasks import run_job
from tests.conftest import api_client_for
from tests.editai.test_oneclick import ONE_CLICK, _probe, bbb  # noqa: F401 (bbb: a fixture)
from tests.library.test_render import _loudness

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_click_selected_makes_previews_only(cast: Any, bbb: dict) -> None:  # noqa: F811
    client = api_client_for(cast.alice)
    response = client.post(ONE_CLICK, {
        "source_video": bbb["id"], "variant_count": 2, "target_duration": 3, "preset": "tiktok",
        "full_render": "selected", "script_text": "The happiest bunny.",
    }, format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    job = Job.all_objects.get(pk=response.json()["id"])
    run_job(str(job.pk), profile_id=str(cast.store_a.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert len(job.result["previews"]) == 2 and "renders" not in job.result
    assert set(Job.all_objects.filter(parent=job).values_list("kind", flat=True)) == {"clip-preview"}
    for clip in Clip.all_objects.filter(pk__in=job.result["clips"]):
        assert clip.status == ClipStatus.RAW and not clip.final_file and clip.preview_file
        video = next(s for s in _probe(default_storage.path(clip.preview_file.name))["streams"]
                     if s["codec_type"] == "video")  # fmt: skip
        assert (video["width"], video["height"]) == (540, 960)
        # No loudness pass, yet near the preset's -14 LUFS (loudnorm's one pass alone gave -42 on
        # a voice this short).
        assert abs(_loudness(default_storage.path(clip.preview_file.name)) + 14) <= 3
        shown = client.get(f"/api/v1/library/clips/{clip.pk}/").json()
        assert shown["final_url"] is None and shown["preview_url"].endswith("?kind=preview")
        download = client.get(shown["preview_url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == default_storage.open(clip.preview_file.name).read()
        # Another profile neither sees the clip nor its preview.
        assert api_client_for(cast.bob).get(shown["preview_url"]).status_code == 404
    # A kind of file that does not exist is a 400, not a 500.
    assert client.get(f"/api/v1/library/clips/{clip.pk}/download/?kind=nope").status_code == 400


def test_one_click_full_render_is_checked(cast: Any, bbb: dict) -> None:  # noqa: F811
    client = api_client_for(cast.alice)
    for bad in ("some", "", None, 3):
        response = client.post(ONE_CLICK, {"source_video": bbb["id"], "full_render": bad}, format="json")
        assert response.status_code == 400 and "full_render" in response.json(), (bad, response.content)


def test_all_finals_failing_fails_the_one_click(cast: Any, bbb: dict, monkeypatch: Any) -> None:  # noqa: F811
    """The previews were made, but they are not the result asked for."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise JobError("The disk is full.")

    monkeypatch.setattr("library.services.final_render._replace_final", broken)
    job = _one_click_run(cast, bbb, variants=2)
    assert job.status == JobStatus.FAILED and "2 of 2 part(s) did not finish" in job.error, job.error
    assert "The disk is full." in job.error
    clips = Clip.all_objects.all()  # this test's only
    assert clips.count() == 2
    for clip in clips:
        assert clip.preview_file and not clip.final_file  # the previews stay to look at


def test_previews_can_be_turned_off_for_full_renders(cast: Any, bbb: dict, settings: Any) -> None:  # noqa: F811
    settings.ONE_CLICK_PREVIEWS = False
    job = _one_click_run(cast, bbb, variants=1)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert list(Job.all_objects.filter(parent=job).values_list("kind", flat=True)) == ["render"]
    assert "previews" not in job.result and len(job.result["renders"]) == 1
    assert not Clip.all_objects.get(pk=job.result["clips"][0]).preview_file


def _one_click_run(cast: Any, video: dict, *, variants: int) -> Job:
    """A one-click of 2 s variants (full renders), run here to its end."""
    response = api_client_for(cast.alice).post(ONE_CLICK, {
        "source_video": video["id"], "variant_count": variants, "target_duration": 2, "preset": "tiktok",
    }, format="json")  # fmt: skip
    job = Job.all_objects.get(pk=response.json()["id"])
    run_job(str(job.pk), profile_id=str(cast.store_a.pk))
    job.refresh_from_db()
    return job
