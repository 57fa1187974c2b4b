"""Operator commands and the admin's profile actions: reconcile publications and sweep temp
files for one profile or all, one summary line, CommandError on failure, a progress bar only on
a terminal."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client

from library.models import Clip, ClipStatus, Job, JobStatus, Project
from library.tasks import run_job
from profiles.models import Profile
from profiles.tenancy import profile_scope
from publishing.models import Publication, PublicationStatus
from publishing.services.publications import publication_create
from tests.fakes.postiz import KEY_A, KEY_B, PostizHandler, default_state
from tests.fakes.server import Running, running
from tests.media import make_video
from tests.support.conftest import make_support_user


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def fake() -> Iterator[Running]:
    cache.clear()  # integrations are cached per profile and key
    with running(PostizHandler, default_state()) as server:
        yield server


def _connect(profile: Profile, url: str, key: str) -> None:
    profile.postiz_api_url, profile.postiz_api_key = url, key
    profile.save(update_fields=["postiz_api_url", "postiz_api_key"])


def _submitted(profile: Profile, key: str, fake: Running, tmp_path: Path) -> Publication:
    """A publication submitted to the fake Postiz through the product's own publish job."""
    _connect(profile, fake.url, key)
    video = make_video(tmp_path / f"{profile.pk}.mp4", seconds=1, size="180x320")
    with profile_scope(profile):
        clip = Clip.objects.create(project=Project.objects.create(name="Launch"), variant_index=1,
                                   status=ClipStatus.FINAL, final_duration=1.0)  # fmt: skip
        with video.open("rb") as handle:
            clip.final_file.save(f"{profile.pk}/clips/{clip.pk}/final.mp4", handle, save=True)
        org = "a" if key == KEY_A else "b"
        job = publication_create(clip=clip, integration_ids=[f"{org}-instagram"], caption="Hello")
    run_job(str(job.pk), profile_id=str(profile.pk))
    assert Job.all_objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    publication = Publication.all_objects.get(job=job)
    assert publication.status == PublicationStatus.SUBMITTED
    fake.state.publish(publication.group, f"https://social.example/{org}")
    return publication


def _status(publication: Publication) -> str:
    return Publication.all_objects.get(pk=publication.pk).status


@pytest.mark.django_db(transaction=True)
def test_reconcile_publications_for_one_profile_then_all(cast: Any, fake: Running, tmp_path: Path) -> None:
    alices = _submitted(cast.store_a, KEY_A, fake, tmp_path)
    bobs = _submitted(cast.bob_store, KEY_B, fake, tmp_path)

    out = StringIO()
    call_command("reconcile_publications", "--profile", str(cast.store_a.pk), stdout=out)
    assert out.getvalue() == "profiles 1, checked 1, published 1, failed 0, errors 0\n"
    assert (_status(alices), _status(bobs)) == (PublicationStatus.PUBLISHED, PublicationStatus.SUBMITTED)

    out = StringIO()
    call_command("reconcile_publications", stdout=out)
    assert out.getvalue() == "profiles 1, checked 1, published 1, failed 0, errors 0\n"
    assert _status(bobs) == PublicationStatus.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_reconcile_fails_loudly_when_a_postiz_refuses(cast: Any, fake: Running, tmp_path: Path) -> None:
    publication = _submitted(cast.store_a, KEY_A, fake, tmp_path)
    _connect(Profile.objects.get(pk=cast.store_a.pk), fake.url, "pz-revoked-key")
    out = StringIO()
    with pytest.raises(CommandError, match="1 profile"):
        call_command("reconcile_publications", stdout=out)
    assert out.getvalue() == "profiles 0, checked 0, published 0, failed 0, errors 1\n"
    assert _status(publication) == PublicationStatus.SUBMITTED
    for bad in ("nope", str(uuid.uuid4())):
        with pytest.raises(CommandError, match="profile"):
            call_command("reconcile_publications", "--profile", bad, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_admin_reconciles_the_selected_profiles_only(cast: Any, fake: Running, tmp_path: Path) -> None:
    alices = _submitted(cast.store_a, KEY_A, fake, tmp_path)
    bobs = _submitted(cast.bob_store, KEY_B, fake, tmp_path)
    client = Client()
    client.force_login(make_support_user())
    response = client.post("/admin/profiles/profile/", {"action": "reconcile", "_selected_action": [cast.bob_store.pk]},
                           follow=True)  # fmt: skip
    assert "Bob&#x27;s store (bob): profiles 1, checked 1, published 1" in response.content.decode()
    assert (_status(alices), _status(bobs)) == (PublicationStatus.SUBMITTED, PublicationStatus.PUBLISHED)


def _workspace(profile: Any) -> Path:
    with profile_scope(profile):
        job = Job.objects.create(kind="trim", status=JobStatus.SUCCEEDED)
    path = Path(settings.TEMP_ROOT) / str(profile.pk) / str(job.pk)
    path.mkdir(parents=True)
    (path / "partial.mp4").write_bytes(b"x" * 100)
    return path


def test_the_admin_sweeps_the_temp_files_of_the_selected_profile_only(cast: Any) -> None:
    alices, bobs = _workspace(cast.store_a), _workspace(cast.bob_store)
    client = Client()
    client.force_login(make_support_user())
    response = client.post("/admin/profiles/profile/", {"action": "sweep_temp", "_selected_action": [cast.store_a.pk]},
                           follow=True)  # fmt: skip
    assert "Swept 1 profile(s): removed 1 path(s), 100 bytes" in response.content.decode()
    assert not alices.exists() and bobs.exists()


def test_profile_actions_need_the_operate_permission(cast: Any) -> None:
    viewer = make_support_user()
    viewer.groups.clear()
    viewer.user_permissions.add(Permission.objects.get(codename="view_profile"))
    alices = _workspace(cast.store_a)
    client = Client()
    client.force_login(viewer)
    page = client.get("/admin/profiles/profile/").content.decode()
    assert "sweep_temp" not in page
    client.post("/admin/profiles/profile/", {"action": "sweep_temp", "_selected_action": [cast.store_a.pk]})
    assert alices.exists()


def test_long_commands_show_a_progress_bar_on_a_terminal_only(
    cast: Any, capsys: pytest.CaptureFixture, settings: Any, tmp_path: Path
) -> None:
    settings.TEMP_ROOT = tmp_path
    _workspace(cast.store_a)
    _workspace(cast.bob_store)
    call_command("cleanup_temp", "--dry-run", stdout=StringIO())
    assert "it/s" not in capsys.readouterr().err
    terminal = Terminal()
    call_command("cleanup_temp", "--dry-run", stdout=terminal)
    assert re.search(r"temp: +\d+%\|", capsys.readouterr().err)
    assert terminal.getvalue().strip().splitlines()[-1].startswith("would remove 2 path(s)")


def test_requeue_stale_jobs_refuses_a_zero_threshold(cast: Any) -> None:
    with profile_scope(cast.store_a):
        running_job = Job.objects.create(kind="trim", status=JobStatus.RUNNING, attempts=1)
    with pytest.raises(CommandError, match="positive"):
        call_command("requeue_stale_jobs", "--stale-after", "0", stdout=StringIO())
    assert Job.all_objects.get(pk=running_job.pk).status == JobStatus.RUNNING
