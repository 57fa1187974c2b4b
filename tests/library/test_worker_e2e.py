"""End to end with a real `manage.py qcluster` process on PostgreSQL. Jobs are enqueued from
outside any profile scope, so the worker must restore the job's profile by itself."""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from library.jobs.queue import job_send
from library.models import Job, JobStatus
from library.services.jobs import jobs_requeue_stale
from profiles.tenancy import current_profile
from tests.conftest import api_client_for
from tests.jobs import make_job
from tests.library.helpers import temp_entries, upload
from tests.media import CHAPLIN
from tests.worker import qcluster, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _create(profile: Any, kind: str, **fields: Any) -> Job:
    return make_job(profile, kind, **fields)


def _send(job: Job) -> None:
    assert current_profile() is None
    job_send(job_id=str(job.pk), profile_id=str(job.profile_id), kind=job.kind)


def _status(job: Job) -> str:
    return Job.all_objects.values_list("status", flat=True).get(pk=job.pk)


def _ffmpeg_running(job: Job) -> bool:
    return subprocess.run(["pgrep", "-f", f"comment={job.pk}"], capture_output=True).returncode == 0


def test_a_job_goes_from_queued_to_succeeded_on_a_real_worker(cast: Any, sample_media: Path, tmp_path: Path) -> None:
    alice = api_client_for(cast.alice)
    video_id = upload(alice, sample_media / CHAPLIN).json()["id"]
    job = _create(cast.store_a, "preview", source_video_id=video_id, params={"height": 240})
    seen: list[tuple[str, int]] = []
    with qcluster(tmp_path):
        _send(job)
        assert _status(job) == JobStatus.QUEUED

        def done() -> bool:
            row = Job.all_objects.values("status", "progress").get(pk=job.pk)
            if not seen or seen[-1] != (row["status"], row["progress"]):
                seen.append((row["status"], row["progress"]))
            return row["status"] in (JobStatus.SUCCEEDED, JobStatus.FAILED)

        wait_for(done, timeout=90, what="the preview job")
        wait_for(lambda: temp_entries(cast.store_a) == [], timeout=10, what="the workspace to go")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    statuses = [s for s, _ in seen]
    assert statuses[0] == JobStatus.QUEUED and JobStatus.RUNNING in statuses
    progresses = [p for s, p in seen if s == JobStatus.RUNNING]
    assert progresses == sorted(progresses) and job.progress == 100
    assert job.q2_task_id and job.worker
    response = alice.get(f"/api/v1/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[4:8] == b"ftyp"
    assert api_client_for(cast.alice, cast.store_b).get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404
    assert api_client_for(cast.bob).get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404
    assert temp_entries(cast.store_a) == []


def test_cancel_stops_a_running_job_within_five_seconds(cast: Any, tmp_path: Path) -> None:
    job = _create(cast.store_a, "test-slow", params={"seconds": 60})
    with qcluster(tmp_path):
        _send(job)
        wait_for(lambda: _ffmpeg_running(job), timeout=30, what="ffmpeg to start")
        asked = time.monotonic()
        response = api_client_for(cast.alice).post(f"/api/v1/jobs/{job.pk}/cancel/")
        assert response.status_code == 200
        wait_for(lambda: _status(job) == JobStatus.CANCELLED, timeout=5, what="the cancel")
        assert time.monotonic() - asked < 5
        wait_for(lambda: not _ffmpeg_running(job), timeout=2, what="ffmpeg to be gone")
        wait_for(lambda: temp_entries(cast.store_a) == [], timeout=5, what="the workspace to go")
    assert api_client_for(cast.alice).post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 409


def test_a_job_whose_worker_was_killed_completes_once_after_requeue(cast: Any, tmp_path: Path) -> None:
    job = _create(cast.store_a, "test-slow", params={"seconds": 4})
    with qcluster(tmp_path, "first") as first:
        _send(job)
        wait_for(lambda: _ffmpeg_running(job), timeout=30, what="ffmpeg to start")
        first.kill()
    assert _status(job) == JobStatus.RUNNING  # nobody knows yet that its worker died
    subprocess.run(["pkill", "-KILL", "-f", f"comment={job.pk}"], check=False)  # its orphaned ffmpeg, if any
    time.sleep(1.0)  # let the heartbeat go stale
    report = jobs_requeue_stale(stale_after=0.8)
    assert report.requeued == [str(job.pk)]
    with qcluster(tmp_path, "second"):
        wait_for(lambda: _status(job) in (JobStatus.SUCCEEDED, JobStatus.FAILED), timeout=60, what="the rerun")
        # The job is marked done just before its workspace goes: wait for that too.
        wait_for(lambda: temp_entries(cast.store_a) == [], timeout=10, what="the workspace to go")
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2), job.error
    outputs = default_storage.listdir(f"{cast.store_a.pk}/jobs/{job.pk}")[1]
    assert outputs == ["slow.mp4"]


def test_a_job_that_keeps_killing_its_worker_fails_clearly(cast: Any) -> None:
    job = _create(cast.store_a, "test-slow", params={"seconds": 4})
    Job.all_objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=3, max_attempts=3, worker="gone:1")
    Job.all_objects.filter(pk=job.pk).update(heartbeat_at=job.created_at - timedelta(minutes=10))
    report = jobs_requeue_stale(stale_after=1)
    assert report.failed == [str(job.pk)]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "died 3 time(s)" in job.error


def test_a_flood_from_one_profile_does_not_hold_back_another_profile(cast: Any, tmp_path: Path) -> None:
    """A real cluster with two workers and the default running limit (2): store A sends four
    jobs, then Bob sends one. First in, first out, both workers would take A's jobs and Bob's
    would start last; the fair queue starts at most one of A's before it."""
    flood = [_create(cast.store_a, "test-slow", params={"seconds": 2}) for _ in range(4)]
    bobs = _create(cast.bob_store, "test-slow", params={"seconds": 1})
    for job in [*flood, bobs]:
        _send(job)
    with qcluster(tmp_path):
        wait_for(lambda: all(_status(j) == JobStatus.SUCCEEDED for j in [*flood, bobs]), timeout=60, what="all jobs")
    started = dict(Job.all_objects.filter(pk__in=[j.pk for j in [*flood, bobs]]).values_list("pk", "started_at"))
    ahead = [j for j in flood if started[j.pk] < started[bobs.pk]]
    assert len(ahead) <= 1, f"{len(ahead)} of the flood's jobs started before Bob's"
    assert Job.all_objects.filter(pk__in=[j.pk for j in flood], attempts=1).count() == 4
