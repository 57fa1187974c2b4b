"""The fair queue across profiles: a running cap per profile enforced at the claim, a cap on the
jobs a client may queue, and waiting that never holds a worker. Proved by order, not by the
clock: an in-process FIFO broker and worker threads run the real runner (run_job, from outside
any scope), with jobs that finish only when the test opens their gate."""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from library.jobs.runner import claim
from library.models import Job, JobOrigin, JobStatus
from library.services.jobs import job_cancel, job_create, jobs_requeue_stale
from library.tasks import run_job
from profiles.models import Profile
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.scopedapp.jobs import GATES
from tests.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


class Broker:
    """q2's broker and cluster in miniature: job_send puts tasks in a FIFO queue, and worker
    threads take them in order and run them as a q2 worker does."""

    def __init__(self, monkeypatch: Any) -> None:
        self.tasks: queue.Queue[tuple[str, str]] = queue.Queue()
        self.deliveries: list[str] = []
        self.busy = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        monkeypatch.setattr("library.jobs.queue.async_task", self._put)

    def _put(self, func: str, job_id: str, *, profile_id: str, **options: Any) -> str:
        assert func == "library.tasks.run_job"
        self.tasks.put((job_id, profile_id))
        return uuid.uuid4().hex

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                with self._lock:
                    try:
                        job_id, profile_id = self.tasks.get_nowait()
                    except queue.Empty:
                        job_id = ""
                    else:
                        self.deliveries.append(job_id)
                        self.busy += 1
                if not job_id:
                    self._stop.wait(0.01)
                    continue
                try:
                    run_job(job_id, profile_id=profile_id)
                finally:
                    with self._lock:
                        self.busy -= 1
        finally:
            connection.close()

    def idle(self) -> bool:
        with self._lock:
            return self.tasks.empty() and self.busy == len(_running())

    @contextmanager
    def workers(self, count: int) -> Iterator[Broker]:
        threads = [threading.Thread(target=self._work, daemon=True) for _ in range(count)]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            for event in list(GATES.values()):
                event.set()  # whatever happened, no job keeps a thread
            self._stop.set()
            for thread in threads:
                thread.join(timeout=10)


def _gated(profile: Any, origin: str = JobOrigin.CLIENT) -> Job:
    with profile_scope(profile):
        return job_create(kind="test-gate", origin=origin)


def _row(job: Job) -> dict[str, Any]:
    return Job.all_objects.values("status", "deferred", "started_at", "attempts", "error").get(pk=job.pk)


def _running() -> list[str]:
    return [str(pk) for pk in Job.all_objects.filter(status=JobStatus.RUNNING).values_list("pk", flat=True)]


def _open(*jobs: Job) -> None:
    for job in jobs:
        GATES[str(job.pk)].set()


def _all_finished(jobs: list[Job]) -> bool:
    return all(_row(j)["status"] == JobStatus.SUCCEEDED for j in jobs)


def test_another_profiles_job_is_claimed_before_the_floods_later_jobs(
    cast: Any, monkeypatch: Any, settings: Any
) -> None:
    """Two workers, store A floods the queue, then Bob sends one job. FIFO would run all of A's
    jobs first; the fair queue lets A's later jobs wait (off the workers) and claims Bob's."""
    settings.MAX_RUNNING_JOBS_PER_PROFILE = 2
    broker = Broker(monkeypatch)
    flood = [_gated(cast.store_a) for _ in range(6)]
    bobs = _gated(cast.bob_store)
    assert list(broker.tasks.queue)[-1][0] == str(bobs.pk)  # last in the FIFO
    with broker.workers(2):
        wait_for(lambda: _row(bobs)["status"] == JobStatus.RUNNING, timeout=20, what="Bob's job to be claimed")
        # One of the first two deliveries runs (the two workers race for it); the rest wait.
        first = [j for j in flood if _row(j)["status"] == JobStatus.RUNNING]
        assert len(first) == 1 and first[0] in flood[:2]
        later = [j for j in flood if j not in first]
        assert [_row(j)["status"] for j in later] == [JobStatus.QUEUED] * 5
        _open(bobs, *flood)
        wait_for(lambda: _all_finished([*flood, bobs]), timeout=30, what="every job to finish")
    started = {j.pk: _row(j)["started_at"] for j in [*flood, bobs]}
    assert started[first[0].pk] < started[bobs.pk] < min(started[j.pk] for j in later)
    assert {_row(j)["attempts"] for j in [*flood, bobs]} == {1}  # waiting is not an attempt


def test_a_job_over_its_profiles_running_limit_waits_without_holding_a_worker(
    cast: Any, monkeypatch: Any, settings: Any
) -> None:
    settings.MAX_RUNNING_JOBS_PER_PROFILE = 2
    broker = Broker(monkeypatch)
    jobs = [_gated(cast.store_a) for _ in range(4)]
    with broker.workers(3):
        wait_for(lambda: len(broker.deliveries) == 4 and broker.idle(), timeout=20, what="four deliveries")
        running = [j for j in jobs if _row(j)["status"] == JobStatus.RUNNING]
        waiting = [j for j in jobs if _row(j)["deferred"]]
        assert len(running) == 2 and len(waiting) == 2
        assert all(_row(j)["status"] == JobStatus.QUEUED for j in waiting)
        assert broker.busy == 2  # the third worker holds nothing and does not spin:
        assert len(broker.deliveries) == 4
        _open(running[0])  # a slot frees: the oldest waiting job is sent again, and runs
        first, second = sorted(waiting, key=lambda j: j.created_at)
        wait_for(lambda: _row(first)["status"] == JobStatus.RUNNING, timeout=20, what="the oldest waiting job")
        assert _row(second)["deferred"] and broker.deliveries.count(str(first.pk)) == 2
        _open(*jobs)
        wait_for(lambda: _all_finished(jobs), timeout=30, what="every job to finish")
    assert len(broker.deliveries) == 6  # each waiting job was delivered once more, no more
    assert {_row(j)["attempts"] for j in jobs} == {1}


def test_jobs_the_system_started_count_toward_the_running_limit(cast: Any, settings: Any) -> None:
    settings.MAX_RUNNING_JOBS_PER_PROFILE = 2
    first, second = (_gated(cast.store_a, JobOrigin.SYSTEM) for _ in range(2))
    client_job = _gated(cast.store_a)
    with profile_scope(cast.store_a):
        assert claim(first.pk).attempt == 1
        assert claim(second.pk).attempt == 1
        refused = claim(client_job.pk)
    assert refused.attempt is None and refused.outcome.startswith("deferred")
    assert (_row(client_job)["status"], _row(client_job)["deferred"]) == (JobStatus.QUEUED, True)


def test_the_count_and_the_claim_hold_the_profiles_lock(cast: Any) -> None:
    """Two workers claiming jobs of one profile at once cannot both see room under the limit:
    a claim waits for the profile's row while someone else holds it."""
    job = _gated(cast.store_a)
    _open(job)
    held, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def hold() -> None:
        with transaction.atomic():
            Profile.objects.select_for_update().get(pk=cast.store_a.pk)
            held.set()
            release.wait(20)
        connection.close()

    def work() -> None:
        outcome.append(run_job(str(job.pk), profile_id=str(cast.store_a.pk)))
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    worker = threading.Thread(target=work)
    worker.start()
    try:
        wait_for(lambda: _waiting_for_a_lock() and not outcome, timeout=10, what="the claim to wait for the lock")
        assert _row(job)["status"] == JobStatus.QUEUED
    finally:
        release.set()
        holder.join(10)
        worker.join(20)
    assert outcome == ["succeeded"]


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_the_sweeper_sends_waiting_jobs_that_nobody_woke(cast: Any, monkeypatch: Any, settings: Any) -> None:
    """A worker that died between a job's end and its wake-up leaves the profile's waiting jobs
    deferred; the stale-job sweep sends them again once the profile has room."""
    settings.MAX_RUNNING_JOBS_PER_PROFILE = 1
    broker = Broker(monkeypatch)
    waiting, due = _gated(cast.store_a), _gated(cast.bob_store)
    long_ago = timezone.now() - timedelta(minutes=10)
    Job.all_objects.filter(pk=waiting.pk).update(deferred=True, updated_at=long_ago)
    # A job rescheduled for a Postiz slot whose schedule was lost: due, never sent since.
    Job.all_objects.filter(pk=due.pk).update(run_after=long_ago + timedelta(minutes=1), updated_at=long_ago)
    broker.tasks.queue.clear()
    report = jobs_requeue_stale(stale_after=60)
    assert (report.woken, report.resent) == ([str(waiting.pk)], [str(due.pk)])
    assert sorted(t[0] for t in broker.tasks.queue) == sorted([str(waiting.pk), str(due.pk)])
    assert _row(waiting)["deferred"] is False
    # Nothing is sent twice while it is fresh: a second sweep right away sends nothing.
    again = jobs_requeue_stale(stale_after=60)
    assert (again.woken, again.resent) == ([], [])


def test_a_client_may_queue_at_most_the_limit_from_any_endpoint(cast: Any, settings: Any) -> None:
    settings.MAX_QUEUED_JOBS_PER_PROFILE = 2
    settings.ELEVENLABS_API_KEY = ""  # espeak: free work, so only the queue limit can refuse
    client = api_client_for(cast.alice)
    tts = "/api/v1/tts/generate/"
    first, _ = (client.post(tts, {"text": "hello"}, format="json") for _ in range(2))
    assert first.status_code == 202
    refused = client.post(tts, {"text": "hello"}, format="json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "job_queue_full"
    assert "2 jobs waiting" in refused.json()["detail"]
    assert Job.all_objects.filter(profile=cast.store_a).count() == 2
    # Another profile, even of the same user, has its own queue.
    assert api_client_for(cast.alice, cast.store_b).post(tts, {"text": "hi"}, format="json").status_code == 202
    # Jobs the system starts on the profile's behalf never fail and never count.
    with profile_scope(cast.store_a):
        system = job_create(kind="test-gate", origin=JobOrigin.SYSTEM)
        job_cancel(job=Job.objects.get(pk=first.json()["id"]))
    assert system.status == JobStatus.QUEUED
    assert client.post(tts, {"text": "again"}, format="json").status_code == 202  # room again: full
    retried = client.post(f"/api/v1/jobs/{first.json()['id']}/retry/")
    assert retried.status_code == 429  # a retry is work the client starts, too
    assert Job.all_objects.get(pk=first.json()["id"]).status == JobStatus.CANCELLED
