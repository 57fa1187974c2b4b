"""Issue 19, point 3: fan-out. A parent job's parts run as child jobs on any worker; the parent
waits without a worker, shows their combined progress, and the last child to end completes it,
exactly once. Real `manage.py qcluster` processes where workers matter (tests/worker.py);
test-fanout (tests/scopedapp/jobs.py) is a parent of test-slow / test-gate / test-crash parts.
Budget: about 25 s, most of it three cluster runs of a few seconds."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from library.jobs import fanout
from library.jobs.queue import job_send
from library.models import Clip, ClipStatus, Job, JobStatus
from library.services.jobs import jobs_requeue_stale
from tests.conftest import api_client_for
from tests.factories import WebhookFactory
from tests.jobs import make_job, reload, run
from tests.media import make_video
from tests.proof.world import render_ready_clip
from tests.scopedapp.jobs import GATES, JOINS
from tests.worker import qcluster, wait_for
from webhooks.models import WebhookEvent

pytestmark = [pytest.mark.django_db(transaction=True)]


def _parent(profile: Any, *parts: dict[str, Any]) -> Job:
    return make_job(profile, "test-fanout", params={"parts": list(parts)})


def _children(parent: Job) -> list[Job]:
    return [reload(pk) for pk in reload(parent).result["children"]]


def _status(job: Job | str) -> str:
    return reload(job).status


def _ffmpeg_running(job: Job) -> bool:
    return subprocess.run(["pgrep", "-f", f"comment={job.pk}"], capture_output=True).returncode == 0


def _events_for(job: Job, kind: str) -> int:
    bodies = WebhookEvent.all_objects.filter(type=kind).values_list("body", flat=True)
    return sum(1 for body in bodies if json.loads(body)["data"]["job"]["id"] == str(job.pk))


@pytest.mark.e2e
def test_two_workers_render_the_parts_at_once_and_the_parent_shows_them(cast: Any, tmp_path: Path) -> None:
    parent = _parent(cast.store_a, {"seconds": 2}, {"seconds": 2}, {"seconds": 1})
    seen: list[tuple[str, bool, int]] = []
    with qcluster(tmp_path):
        job_send(job_id=str(parent.pk), profile_id=str(parent.profile_id), kind=parent.kind)

        def done() -> bool:
            row = Job.all_objects.values("status", "waiting", "progress").get(pk=parent.pk)
            seen.append((row["status"], row["waiting"], row["progress"]))
            return row["status"] in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)

        wait_for(done, timeout=60, what="the parent")
    parent = reload(parent)
    assert parent.status == JobStatus.SUCCEEDED, parent.error
    children = _children(parent)
    # Results in the parts' order, whichever finished first; every part carries the parent's profile.
    assert [r["label"] for r in parent.result["results"]] == [0, 1, 2]
    assert parent.result["children"] == [str(c.pk) for c in children] and parent.result["failed"] == []
    assert {c.profile_id for c in children} == {cast.store_a.pk} and {c.parent_id for c in children} == {parent.pk}
    # W workers, W parts at once: the two 2 s parts overlapped.
    (start_a, end_a), (start_b, end_b) = [(c.started_at, c.finished_at) for c in children[:2]]
    assert start_a and end_a and start_b and end_b and start_a < end_b and start_b < end_a
    # Combined progress: the parent waited without a worker, its progress rising between its own
    # 20 % and 100 %, never going back.
    waiting = [p for s, w, p in seen if s == JobStatus.RUNNING and w]
    assert waiting and waiting == sorted(waiting), seen
    assert any(20 < p < 90 for p in waiting), seen
    assert parent.progress == 100 and not parent.waiting and parent.attempts == 1
    # /jobs/ shows the parts with their parent; another profile sees none of them.
    alice = api_client_for(cast.alice)
    listed = alice.get(f"/api/v1/jobs/?parent={parent.pk}").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert sorted(r["id"] for r in rows) == sorted(str(c.pk) for c in children)
    assert {r["parent"] for r in rows} == {str(parent.pk)}
    assert api_client_for(cast.bob).get(f"/api/v1/jobs/{children[0].pk}/").status_code == 404
    assert api_client_for(cast.alice, cast.store_b).get(f"/api/v1/jobs/{children[0].pk}/").status_code == 404


@pytest.mark.e2e
def test_cancelling_the_parent_cancels_its_parts(cast: Any, tmp_path: Path) -> None:
    parent = _parent(cast.store_a, {"seconds": 60}, {"seconds": 60}, {"seconds": 60})
    with qcluster(tmp_path):
        job_send(job_id=str(parent.pk), profile_id=str(parent.profile_id), kind=parent.kind)
        wait_for(lambda: reload(parent).waiting, timeout=30, what="the parts")
        children = _children(parent)
        wait_for(lambda: sum(_ffmpeg_running(c) for c in children) == 2, timeout=30, what="two parts to run")
        asked = time.monotonic()
        assert api_client_for(cast.alice).post(f"/api/v1/jobs/{parent.pk}/cancel/").status_code == 200
        wait_for(lambda: _status(parent) == JobStatus.CANCELLED, timeout=5, what="the parent's cancel")
        assert time.monotonic() - asked < 5
        assert [_status(c) for c in children] == [JobStatus.CANCELLED] * 3
        wait_for(lambda: not any(_ffmpeg_running(c) for c in children), timeout=3, what="ffmpeg to be gone")
    assert reload(parent).error == "Cancelled." and "results" not in reload(parent).result  # never joined


@pytest.mark.e2e
def test_a_part_whose_worker_was_killed_is_requeued_and_the_parent_completes_once(cast: Any, tmp_path: Path) -> None:
    parent = _parent(cast.store_a, {"seconds": 3}, {"seconds": 3})
    with qcluster(tmp_path, "first") as first:
        job_send(job_id=str(parent.pk), profile_id=str(parent.profile_id), kind=parent.kind)
        wait_for(lambda: reload(parent).waiting, timeout=30, what="the parts")
        children = _children(parent)
        wait_for(lambda: any(_ffmpeg_running(c) for c in children), timeout=30, what="a part to render")
        first.kill()
    for child in children:  # their orphaned ffmpeg, if any
        subprocess.run(["pkill", "-KILL", "-f", f"comment={child.pk}"], check=False)
    time.sleep(1.0)  # let the heartbeats go stale
    # As for any job: a running part goes back to the queue; a queued one whose task the dead
    # cluster had fetched is sent again.
    report = jobs_requeue_stale(stale_after=0.8, resend_after=0.5)
    assert report.requeued and set(report.requeued) | set(report.resent) == {str(c.pk) for c in children}
    assert _status(parent) == JobStatus.RUNNING and reload(parent).waiting  # it held no worker: it never went stale
    with qcluster(tmp_path, "second"):
        wait_for(lambda: reload(parent).is_finished, timeout=60, what="the parent")
    parent = reload(parent)
    assert parent.status == JobStatus.SUCCEEDED, parent.error
    assert [r["label"] for r in parent.result["results"]] == [0, 1]
    # Completed once, by a part's worker: the parent itself never went back to the queue.
    assert parent.attempts == 1 and parent.finished_at is not None
    assert max(c.attempts for c in _children(parent)) == 2


def test_two_parts_ending_at_once_complete_the_parent_once(cast: Any) -> None:
    """Both parts reach the parent's lock together (a barrier); the second sees the first's end
    and joins; the first leaves it. One join, one job.succeeded event."""
    WebhookFactory(profile=cast.store_a, events=["job.succeeded"])
    parent = _parent(cast.store_a, {"kind": "test-gate"}, {"kind": "test-gate"})
    with override_settings(JOB_RUN_PARTS_INLINE=False):
        assert run(parent).startswith("waiting for 2 part(s)")
        children = _children(parent)
        barrier = threading.Barrier(2, timeout=10)
        lock = fanout.parent_lock

        def together(job: Job) -> None:
            if job.parent_id:
                barrier.wait()
            lock(job)

        answers: list[str] = []

        def work(child: Job) -> None:
            try:
                answers.append(run(child))
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(c,)) for c in children]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(fanout, "parent_lock", together)
            for thread in threads:
                thread.start()
            wait_for(lambda: all(_status(c) == JobStatus.RUNNING for c in children), timeout=10, what="both parts")
            for child in children:
                GATES[str(child.pk)].set()
            for thread in threads:
                thread.join(timeout=30)
    assert answers == ["succeeded", "succeeded"]
    parent = reload(parent)
    assert parent.status == JobStatus.SUCCEEDED and JOINS[str(parent.pk)] == 1
    assert _events_for(parent, "job.succeeded") == 1


@override_settings(MAX_RUNNING_JOBS_PER_PROFILE=1)
def test_parts_do_not_wait_behind_their_parent_for_a_running_slot(cast: Any) -> None:
    """With one running slot, a parent that held it while waiting would defer its own parts
    forever: the waiting parent holds none."""
    parent = _parent(cast.store_a, {"seconds": 0.2}, {"seconds": 0.2})
    assert run(parent) == JobStatus.SUCCEEDED
    assert [c.attempts for c in _children(parent)] == [1, 1]
    assert not Job.all_objects.filter(deferred=True).exists()


def test_a_failed_part_leaves_partial_results_and_all_failed_fails_the_parent(cast: Any) -> None:
    partial = _parent(cast.store_a, {"seconds": 0.2}, {"kind": "test-crash"})
    assert run(partial) == JobStatus.SUCCEEDED
    result = reload(partial).result
    assert [r["label"] for r in result["results"]] == [0]
    assert [(f["part"], f["status"]) for f in result["failed"]] == [(2, JobStatus.FAILED)]
    assert "boom" in result["failed"][0]["error"]
    none = _parent(cast.store_a, {"kind": "test-crash"}, {"kind": "test-crash"})
    assert run(none) == JobStatus.FAILED
    failed = reload(none)
    assert failed.error.startswith("2 of 2 part(s) did not finish.") and "boom" in failed.error
    assert JOINS[str(none.pk)] == 0


def test_a_bulk_render_is_one_render_job_per_clip_with_results_in_order(cast: Any, tmp_path: Path) -> None:
    """Three clips, the middle one deleted after the request: two finals, in the clips' order,
    and the missing one listed as failed (the others' renders are not lost)."""
    footage = make_video(tmp_path / "footage.mp4", seconds=1.0, size="320x180")
    clips = [render_ready_clip(cast.store_a, footage, seconds=s, with_final=False) for s in (1.0, 0.9, 0.8)]
    response = api_client_for(cast.alice).post(
        "/api/v1/library/clips/bulk-render/", {"clips": [str(c.pk) for c in clips], "preset": "tiktok"}, format="json"
    )
    assert response.status_code == 202, response.content
    parent = reload(response.json()["id"])
    Clip.all_objects.filter(pk=clips[1].pk).delete()
    assert run(parent) == JobStatus.SUCCEEDED
    parent = reload(parent)
    children = _children(parent)
    assert [(c.kind, c.params["clip"], c.profile_id) for c in children] == [
        ("render", str(c.pk), cast.store_a.pk) for c in clips
    ]
    assert [c.clip_id for c in children] == [clips[0].pk, None, clips[2].pk]  # deleted: no link
    assert [r["clip"] for r in parent.result["clips"]] == [str(clips[0].pk), str(clips[2].pk)]
    assert [(f["part"], f["clip"]) for f in parent.result["failed"]] == [(2, str(clips[1].pk))]
    assert "deleted" in parent.result["failed"][0]["error"]
    for clip in (clips[0], clips[2]):
        assert Clip.all_objects.get(pk=clip.pk).status == ClipStatus.FINAL


@override_settings(JOB_HEARTBEAT_SECONDS=0)
def test_a_waiting_parent_gets_no_heartbeat_and_the_stale_sweep_leaves_it(cast: Any) -> None:
    """Review finding 4: the run's monitor thread may beat once more after fan_out_start set
    waiting=True, heartbeat_at=None; that beat must not land (the parent would look like a dead
    worker's job), and a waiting parent with an old heartbeat is not requeued (no second fan-out)."""
    from datetime import timedelta

    from django.utils import timezone

    from library.jobs.runner import _Monitor
    from profiles.tenancy import profile_scope

    parent = make_job(cast.store_a, "test-fanout", status=JobStatus.RUNNING, attempts=1, waiting=True)
    with profile_scope(cast.store_a):  # the thread copies the scope, as in the runner
        monitor = _Monitor(parent.pk, 1)
    monitor.start()
    time.sleep(1.2)  # two or more rounds of the 0.5 s loop, each due to beat
    monitor.stop()
    assert reload(parent).heartbeat_at is None
    Job.all_objects.filter(pk=parent.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    report = jobs_requeue_stale(stale_after=1, resend_after=0)
    assert str(parent.pk) not in report.requeued + report.failed
    assert (reload(parent).status, reload(parent).waiting) == (JobStatus.RUNNING, True)
