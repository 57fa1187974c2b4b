from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.models import JobStatus
from tests.conftest import api_client_for
from tests.jobs import make_job, reload

JOBS = "/api/v1/jobs/"


def test_it_lists_and_filters_the_profiles_jobs(cast: Any, alice_client: Any) -> None:
    make_job(cast.store_a, status=JobStatus.FAILED, error="boom")
    make_job(cast.store_a)
    make_job(cast.store_b)
    body = alice_client.get(JOBS).json()
    assert body["count"] == 2
    assert {"id", "kind", "status", "progress", "error", "result", "attempts", "created_at", "started_at",
            "finished_at"} <= set(body["results"][0])  # fmt: skip
    assert alice_client.get(JOBS, {"status": "failed"}).json()["count"] == 1
    assert alice_client.get(JOBS, {"status": "exploded"}).status_code == 400
    assert alice_client.get(JOBS, {"source_video": "not-a-uuid"}).status_code == 400


def test_cancel_a_queued_job_at_once(cast: Any, alice_client: Any) -> None:
    job = make_job(cast.store_a)
    response = alice_client.post(f"{JOBS}{job.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert alice_client.post(f"{JOBS}{job.pk}/cancel/").status_code == 409


def test_retry_only_failed_or_cancelled_jobs(
    cast: Any, alice_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    failed = make_job(cast.store_a, status=JobStatus.FAILED, error="boom", attempts=3, max_attempts=3)
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(f"{JOBS}{failed.pk}/retry/")
    assert response.status_code == 202
    assert response.json()["status"] == "queued" and response.json()["error"] == ""
    assert response.json()["max_attempts"] > 3
    assert len(callbacks) == 1  # enqueued on commit, not before
    assert alice_client.post(f"{JOBS}{make_job(cast.store_a).pk}/retry/").status_code == 409


def test_download_without_output_is_404(cast: Any, alice_client: Any) -> None:
    job = make_job(cast.store_a, status=JobStatus.SUCCEEDED)
    assert alice_client.get(f"{JOBS}{job.pk}/download/").status_code == 404


def test_it_checks_ownership(cast: Any) -> None:
    job = make_job(cast.store_a, status=JobStatus.FAILED)
    for client in (api_client_for(cast.alice, cast.store_b), api_client_for(cast.bob)):
        assert client.get(f"{JOBS}{job.pk}/").status_code == 404
        assert client.post(f"{JOBS}{job.pk}/retry/").status_code == 404
        assert client.post(f"{JOBS}{job.pk}/cancel/").status_code == 404
        assert client.get(f"{JOBS}{job.pk}/download/").status_code == 404
    assert reload(job).status == JobStatus.FAILED


def test_the_list_keeps_a_constant_query_count(cast: Any, alice_client: Any) -> None:
    make_job(cast.store_a)
    with CaptureQueriesContext(connection) as one:
        alice_client.get(JOBS)
    for _ in range(25):
        make_job(cast.store_a)
    with CaptureQueriesContext(connection) as many:
        assert alice_client.get(JOBS).json()["count"] == 26
    assert len(many.captured_queries) == len(one.captured_queries)
