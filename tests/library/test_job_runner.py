"""The runner in-process, called like the q2 task (from outside any scope)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from library.models import Job, JobStatus
from library.tasks import run_job
from profiles.tenancy import ScopeError, current_profile, profile_scope
from tests.jobs import make_job, reload, run
from tests.library.helpers import temp_entries, upload
from tests.media import CHAPLIN

# The runner's monitor thread has its own database connection: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chaplin_id(cast: Any, alice_client: Any, sample_media: Path) -> str:
    return upload(alice_client, sample_media / CHAPLIN).json()["id"]


def test_a_job_runs_in_its_own_profile_and_stores_its_output(cast: Any, chaplin_id: str) -> None:
    job = make_job(cast.store_a, "preview", source_video_id=chaplin_id, params={"height": 120})
    assert current_profile() is None
    assert run(job) == "succeeded"
    job = reload(job)
    assert (job.status, job.progress, job.attempts) == (JobStatus.SUCCEEDED, 100, 1)
    assert job.output.name.startswith(f"{cast.store_a.pk}/jobs/{job.pk}/")
    assert default_storage.size(job.output.name) > 1000
    entries = ["-select_streams", "v:0", "-show_entries", "stream=height,pix_fmt", "-of", "csv=p=0"]
    probe = subprocess.run(
        ["ffprobe", "-v", "error", *entries, default_storage.path(job.output.name)], capture_output=True, text=True
    )
    assert probe.stdout.strip() == "120,yuv420p"
    assert temp_entries(cast.store_a) == []
    assert current_profile() is None


def test_a_second_delivery_does_nothing(cast: Any, chaplin_id: str) -> None:
    job = make_job(cast.store_a, "preview", source_video_id=chaplin_id, params={"height": 120})
    assert run(job) == "succeeded"
    assert run(job) == "skipped: not queued"
    assert reload(job).attempts == 1


def test_a_task_for_the_wrong_profile_is_refused(cast: Any, chaplin_id: str) -> None:
    job = make_job(cast.store_a, "preview", source_video_id=chaplin_id)
    with pytest.raises(ScopeError):
        run_job(str(job.pk), profile_id=str(cast.bob_store.pk))
    assert reload(job).status == JobStatus.QUEUED


def test_an_ffmpeg_failure_fails_the_job_with_ffmpegs_message(cast: Any, chaplin_id: str) -> None:
    with profile_scope(cast.store_a):
        from library.models import SourceVideo

        stored = default_storage.path(SourceVideo.objects.get(pk=chaplin_id).file.name)
    Path(stored).write_bytes(Path(stored).read_bytes()[:40_000])  # corrupt it after the upload
    job = make_job(cast.store_a, "preview", source_video_id=chaplin_id)
    assert run(job) == "failed"
    job = reload(job)
    assert job.status == JobStatus.FAILED
    assert "ffmpeg failed" in job.error and "moov atom not found" in job.error
    assert_no_absolute_paths(job.error)
    assert not job.output
    assert temp_entries(cast.store_a) == []


def test_a_timeout_fails_the_job_and_kills_ffmpeg(cast: Any) -> None:
    job = make_job(cast.store_a, "test-slow", params={"seconds": 30, "timeout": 1})
    assert run(job) == "failed"
    job = reload(job)
    assert "timed out after 1 s" in job.error
    assert subprocess.run(["pgrep", "-f", f"comment={job.pk}"], capture_output=True).returncode == 1
    assert temp_entries(cast.store_a) == []


def test_an_exception_fails_the_job_and_removes_its_workspace(cast: Any) -> None:
    job = make_job(cast.store_a, "test-crash")
    assert run(job) == "failed"
    job = reload(job)
    assert job.error == "Internal error: RuntimeError: boom"
    assert temp_entries(cast.store_a) == []


def assert_no_absolute_paths(error: str) -> None:
    for root in (settings.MEDIA_ROOT, settings.TEMP_ROOT, settings.BASE_DIR):
        assert str(root) not in error, error
    assert not re.search(r"(?<![\w.:/>])/(?:[^\s/'\"]+/)+", error), error


def test_job_errors_carry_no_absolute_paths(cast: Any) -> None:
    job = make_job(cast.store_a, "test-crash-with-paths")
    assert run(job) == "failed"
    error = reload(job).error
    assert error.startswith("Internal error: FileNotFoundError: [Errno 2] No such file or directory:")
    assert_no_absolute_paths(error)
    # What the paths were stays readable: the file's own name, and which folder it was in.
    assert "<media>/" in error and "gone.mp4" in error
    assert "<workspace>/input-gone.mp4" in error and "helper" in error


def test_an_unknown_kind_fails_clearly(cast: Any) -> None:
    job = make_job(cast.store_a, "no-such-kind")
    run(job)
    assert reload(job).error == "unknown job kind 'no-such-kind'"


def test_a_job_cannot_link_another_profiles_video(cast: Any, chaplin_id: str) -> None:
    from django.core.exceptions import ValidationError

    with profile_scope(cast.bob_store), pytest.raises(ValidationError, match="not found"):
        Job(kind="preview", source_video_id=chaplin_id).full_clean()
