"""Faults around the final render, with real workers and real ffmpeg:

- the worker is SIGKILLed while ffmpeg renders: the job is requeued and completes exactly once,
  with one final file and no trace of the first attempt;
- the temp filesystem is full (a 2 MB tmpfs as the worker's TEMP_ROOT): the render fails with
  "No space left on device" in the job's error, the clip keeps its previous final file, and no
  half file reaches storage.

(The test-slow job kind covers the same kill for a synthetic job in tests/library/test_worker_e2e.py.)"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from library.models import Clip, ClipStatus, JobStatus
from library.services.jobs import jobs_requeue_stale
from tests.conftest import api_client_for
from tests.jobs import reload
from tests.library.helpers import temp_entries
from tests.media import make_video
from tests.proof.procs import can_mount_tmpfs, kill_matching, processes_matching, tmpfs
from tests.proof.world import render_ready_clip
from tests.worker import qcluster, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DONE = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


@pytest.fixture(scope="module")
def footage(tmp_path_factory: Any) -> Path:
    return make_video(tmp_path_factory.mktemp("footage") / "footage.mp4", seconds=8, size="320x240")


def _render(cast: Any, clip: Clip) -> str:
    response = api_client_for(cast.alice).post(f"/api/v1/library/clips/{clip.pk}/render/", {"preset": "tiktok"},
                                               format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    return response.json()["id"]


def _clip_files(clip: Clip) -> list[str]:
    folder = f"{clip.profile_id}/clips"
    return sorted(f"{folder}/{name}" for name in default_storage.listdir(folder)[1])


def _duration(path: str) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return float(out.stdout.strip())


def test_a_render_whose_worker_is_killed_mid_ffmpeg_completes_once(cast: Any, footage: Path, tmp_path: Path) -> None:
    clip = render_ready_clip(cast.store_a, footage, seconds=8, with_final=False)
    before = _clip_files(clip)
    with qcluster(tmp_path, "first") as first:
        job_id = _render(cast, clip)
        ffmpeg = f"{job_id}/clip-{clip.pk}/final.mp4"  # the render's output, in the job's workspace
        wait_for(lambda: processes_matching(ffmpeg), timeout=60, what="the render's ffmpeg")
        first.kill()  # at once: an 8 s 1080x1920 encode is still running on any machine
    kill_matching(ffmpeg)  # the killed worker's orphaned ffmpeg
    assert (reload(job_id).status, Clip.all_objects.get(pk=clip.pk).status) == (JobStatus.RUNNING, ClipStatus.RENDERING)
    time.sleep(1.0)  # let the heartbeat go stale
    assert jobs_requeue_stale(stale_after=0.8).requeued == [job_id]

    with qcluster(tmp_path, "second"):
        wait_for(lambda: reload(job_id).status in DONE, timeout=180, interval=0.2, what="the rerun")

    job, clip = reload(job_id), Clip.all_objects.get(pk=clip.pk)
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2), job.error
    assert clip.status == ClipStatus.FINAL
    assert clip.final_file.name == f"{clip.profile_id}/clips/{clip.pk}/final-{job_id}.mp4"
    new_files = sorted(set(_clip_files(clip)) - set(before))
    assert new_files == [], "files outside the clip's folder"
    stored = sorted(default_storage.listdir(f"{clip.profile_id}/clips/{clip.pk}")[1])
    assert stored == [f"final-{job_id}.jpg", f"final-{job_id}.mp4"], "one final, written once"
    assert _duration(default_storage.path(clip.final_file.name)) == pytest.approx(8.0, abs=0.3)
    assert temp_entries(cast.store_a) == []


@pytest.mark.skipif(not can_mount_tmpfs(), reason="needs root and the mount capability for a tmpfs")
def test_a_full_temp_filesystem_fails_the_render_clearly_and_keeps_the_old_final(
    cast: Any, footage: Path, tmp_path: Path
) -> None:
    clip = render_ready_clip(cast.store_a, footage, seconds=4, with_final=True)
    old_final = clip.final_file.name
    with default_storage.open(old_final, "rb") as handle:
        old_bytes = handle.read()
    with tmpfs("2m") as temp_root:
        filler = temp_root / "filler.bin"  # the disk is nearly full before the job starts
        with filler.open("wb") as out:
            out.write(b"\0" * (2 * 1024 * 1024 - 64 * 1024))
        with qcluster(tmp_path, "full", EDITAI_TEST_TEMP_ROOT=str(temp_root)):
            job_id = _render(cast, clip)
            wait_for(lambda: reload(job_id).status in DONE, timeout=120, interval=0.2, what="the render to end")
        leftovers = sorted(str(p.relative_to(temp_root)) for p in temp_root.rglob("*") if p != filler)

    job = reload(job_id)
    assert job.status == JobStatus.FAILED
    assert "No space left on device" in job.error, job.error
    shown = api_client_for(cast.alice).get(f"/api/v1/jobs/{job_id}/").json()
    assert "No space left on device" in shown["error"]
    clip = Clip.all_objects.get(pk=clip.pk)
    assert clip.status == ClipStatus.FINAL and clip.final_file.name == old_final, "the old final was replaced"
    with default_storage.open(old_final, "rb") as handle:
        assert handle.read() == old_bytes
    assert not default_storage.exists(f"{clip.profile_id}/clips/{clip.pk}"), "a half file reached storage"
    assert not job.output
    assert [p for p in leftovers if p.count("/") >= 1] == [], f"workspace left on the full disk: {leftovers}"
