"""The admin as support staff use it: every profile's rows readable, links between related
rows, job actions, q2 tasks by profile — and no Postiz key, no deletes, no user admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Success

from library.models import Job, JobStatus
from profiles.models import Profile
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.support.conftest import POSTIZ_KEYS, World, fill_store

PRODUCT_APPS = ("profiles", "costs", "library", "publishing")


def _changelist(model: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _change(obj: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _pages(world: World) -> list[str]:
    """Every changelist and change page that holds the world's rows."""
    pages = ["/admin/", _changelist(Profile), "/admin/django_q/success/"]
    for store in (world.alice, world.bob):
        pages += [_change(store.profile), _change(store.profile).replace("/change/", "/history/")]
        for row in store.rows():
            pages += [_changelist(type(row)), _change(row)]
    return list(dict.fromkeys(pages))


def test_every_model_of_the_product_has_an_admin() -> None:
    missing = [
        model._meta.label
        for label in PRODUCT_APPS
        for model in apps.get_app_config(label).get_models()
        if model not in admin.site._registry
    ]
    assert missing == []


def test_support_staff_read_every_profiles_rows(support_client: Client, world: World) -> None:
    for store in (world.alice, world.bob):
        for row in [store.profile, *store.rows()]:
            listing = support_client.get(_changelist(type(row)))
            assert listing.status_code == 200, (type(row), listing.status_code)
            assert _change(row) in listing.content.decode(), f"{type(row).__name__} of {store.profile} not listed"
            detail = support_client.get(_change(row))
            assert detail.status_code == 200, (type(row), detail.status_code)


@pytest.mark.parametrize("who", ["support", "superuser"])
def test_no_admin_page_shows_a_postiz_key_not_even_encrypted(who: str, support_client: Client, world: World) -> None:
    client = support_client
    if who == "superuser":
        client = Client()
        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT postiz_api_key FROM profiles_profile WHERE postiz_api_key <> ''")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 2 and all(value.startswith("fernet:") for value in stored)
    for page in _pages(world):
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        for secret in [*POSTIZ_KEYS.values(), *stored, *(value.removeprefix("fernet:")[:40] for value in stored)]:
            assert secret not in html, f"{page} shows a Postiz key"
    profile_page = client.get(_change(world.alice.profile)).content.decode()
    assert "•••••••• (set)" in profile_page and 'name="postiz_api_key"' not in profile_page


def test_support_staff_change_nothing_but_jobs_and_delete_nothing(support_client: Client, world: World) -> None:
    store = world.alice
    for row in [store.profile, *store.rows()]:
        url = _change(row)
        assert support_client.post(url.replace("/change/", "/delete/"), {"post": "yes"}).status_code == 403, url
        assert support_client.get(_changelist(type(row)) + "add/").status_code == 403
    assert support_client.post(_change(store.project), {"name": "renamed"}).status_code == 403
    support_client.post(_changelist(Profile), {"action": "delete_selected", "_selected_action": [store.profile.pk]})
    assert Profile.objects.filter(pk=store.profile.pk).exists()
    assert type(store.project).all_objects.get(pk=store.project.pk).name == "alice launch"


def test_support_staff_have_no_user_group_or_token_admin(support_client: Client, world: World) -> None:
    for page in ("/admin/auth/user/", "/admin/auth/group/", "/admin/token_blacklist/outstandingtoken/",
                 f"/admin/auth/user/{world.cast.alice.pk}/change/"):  # fmt: skip
        assert support_client.get(page).status_code == 403, page
    index = support_client.get("/admin/").content.decode()
    assert "/admin/auth/user/" not in index and "/admin/library/job/" in index


def test_store_operators_cannot_open_the_admin(world: World) -> None:
    client = Client()
    client.force_login(world.cast.alice)
    response = client.get("/admin/library/job/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    login = Client().post("/admin/login/", {"username": "alice", "password": PASSWORD, "next": "/admin/"})
    assert login.status_code == 200 and "staff account" in login.content.decode()


def test_support_staff_retry_and_cancel_jobs_of_any_profile(
    support_client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    failed = [world.alice.job.pk, world.bob.job.pk]
    with django_capture_on_commit_callbacks(execute=False):
        response = support_client.post(
            "/admin/library/job/", {"action": "retry_jobs", "_selected_action": failed}, follow=True
        )
    assert "Retried 2 job(s)" in response.content.decode()
    assert set(Job.all_objects.filter(pk__in=failed).values_list("status", flat=True)) == {JobStatus.QUEUED}
    support_client.post("/admin/library/job/", {"action": "cancel_jobs", "_selected_action": [world.bob.job.pk]})
    assert Job.all_objects.get(pk=world.bob.job.pk).status == JobStatus.CANCELLED


def test_links_lead_from_a_profile_to_its_projects_clips_jobs_costs_and_publications(
    support_client: Client, world: World
) -> None:
    alice, bob = world.alice, world.bob

    def follow(page: str, target: str, *, shows: Any, hides: Any) -> str:
        html = support_client.get(page).content.decode()
        assert target in html.replace("&amp;", "&"), f"{page} has no link to {target}"
        listing = support_client.get(target).content.decode()
        assert _change(shows) in listing and _change(hides) not in listing, target
        return target

    profile_id = alice.profile.pk
    follow(_change(alice.profile), f"/admin/library/project/?profile__id__exact={profile_id}",
           shows=alice.project, hides=bob.project)  # fmt: skip
    follow(_change(alice.profile), f"/admin/publishing/publication/?profile__id__exact={profile_id}",
           shows=alice.publication, hides=bob.publication)  # fmt: skip
    follow(_change(alice.project), f"/admin/library/clip/?project__id__exact={alice.project.pk}",
           shows=alice.clip, hides=bob.clip)  # fmt: skip
    follow(_change(alice.clip), f"/admin/library/job/?clip__id__exact={alice.clip.pk}", shows=alice.job, hides=bob.job)
    follow(_change(alice.job), f"/admin/costs/costentry/?job_id={alice.job.pk}", shows=alice.cost, hides=bob.cost)
    follow(_change(alice.job), f"/admin/publishing/publication/?job__id__exact={alice.job.pk}",
           shows=alice.publication, hides=bob.publication)  # fmt: skip
    assert _change(alice.job) in support_client.get(_change(alice.cost)).content.decode()


def test_q2_tasks_filter_by_profile_name(support_client: Client, world: World) -> None:
    listing = support_client.get("/admin/django_q/success/").content.decode()
    assert "Store A (alice)" in listing and "Bob&#x27;s store (bob)" in listing
    bob_only = support_client.get("/admin/django_q/success/", {"group": str(world.bob.profile.pk)}).content.decode()
    bob_task, alice_task = (Success.objects.get(group=str(s.profile.pk)) for s in (world.bob, world.alice))
    assert bob_task.name in bob_only and alice_task.name not in bob_only
    assert 'name="action"' not in bob_only  # resubmitting raw q2 tasks is not for support staff


@pytest.mark.parametrize(
    "model", ["library.job", "library.clip", "library.project", "library.segment", "library.sourcevideo",
              "publishing.publication", "costs.costentry", "profiles.profile", "django_q.success"],
)  # fmt: skip
def test_changelists_keep_a_constant_query_count(support_client: Client, world: World, model: str) -> None:
    url = reverse(f"admin:{model.replace('.', '_')}_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert support_client.get(url).status_code == 200
        return len(captured)

    before = queries()
    fill_store(world.cast.store_b, "alice")
    assert queries() == before
