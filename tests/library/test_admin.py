from __future__ import annotations

from typing import Any

from django.test import Client

from library.models import Job, JobStatus
from profiles.tenancy import profile_scope
from tests.factories import UserFactory


def _staff_client() -> Client:
    staff = UserFactory(username="support", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


def test_staff_see_every_profiles_jobs_and_filter_by_profile(cast: Any) -> None:
    with profile_scope(cast.store_a):
        alices = Job.objects.create(kind="preview")
    with profile_scope(cast.bob_store):
        bobs = Job.objects.create(kind="trim")
    client = _staff_client()
    page = client.get("/admin/library/job/")
    assert page.status_code == 200
    assert str(alices.pk).encode() in page.content and str(bobs.pk).encode() in page.content
    filtered = client.get("/admin/library/job/", {"profile__id__exact": str(cast.bob_store.pk)})
    assert str(bobs.pk).encode() in filtered.content and str(alices.pk).encode() not in filtered.content


def test_the_retry_and_cancel_actions(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    with profile_scope(cast.store_a):
        failed = Job.objects.create(kind="preview", status=JobStatus.FAILED, error="boom")
        queued = Job.objects.create(kind="preview")
    client = _staff_client()
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/admin/library/job/", {"action": "retry_jobs", "_selected_action": [failed.pk, queued.pk]})
    assert Job.all_objects.get(pk=failed.pk).status == JobStatus.QUEUED
    client.post("/admin/library/job/", {"action": "cancel_jobs", "_selected_action": [queued.pk]})
    assert Job.all_objects.get(pk=queued.pk).status == JobStatus.CANCELLED


def test_a_retry_the_queue_or_the_budget_refuses_is_reported_not_a_500(cast: Any, settings: Any) -> None:
    settings.MAX_QUEUED_JOBS_PER_PROFILE = 1
    with profile_scope(cast.store_a):
        failed = Job.objects.create(kind="preview", status=JobStatus.FAILED, error="boom")
        Job.objects.create(kind="preview")  # the one job store A may keep waiting
    page = _staff_client().post(
        "/admin/library/job/", {"action": "retry_jobs", "_selected_action": [failed.pk]}, follow=True
    )
    assert page.status_code == 200
    assert b"already has 1 job waiting to run" in page.content
    assert Job.all_objects.get(pk=failed.pk).status == JobStatus.FAILED


def test_store_operators_cannot_open_the_admin(cast: Any) -> None:
    client = Client()
    client.force_login(cast.alice)
    assert client.get("/admin/library/job/").status_code == 302
