"""The pieces of `manage.py demo`: a demo user with two stores, sample footage, the one-click
job run in this process, publishing, and the run's costs. Offline: local analysis, espeak."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Sum

from costs.models import CostEntry
from library import tasks
from library.media import builders
from library.media import ffmpeg as ff
from library.models import Job, SourceVideo
from library.models.jobs import FINISHED
from library.services.jobs import job_cancel
from library.services.videos import source_video_create
from profiles.models import Profile, TTSProvider
from profiles.services import profile_create, profile_update
from profiles.tenancy import profile_scope
from publishing.postiz import ProviderSettingsError, build_settings
from publishing.services import postiz

if TYPE_CHECKING:
    from django.contrib.auth.models import User

STORES = ("Demo Store A", "Demo Store B")


class DemoError(Exception):
    """A step that cannot go on; the command reports it as a CommandError."""


@dataclass
class DemoUser:
    user: User
    stores: list[Profile]
    password: str | None  # set when this call chose it (a new user without --password)


@transaction.atomic
def demo_user_ensure(*, username: str, password: str | None) -> DemoUser:
    """The demo user and its two stores, created once and reused after. The stores speak with
    espeak-ng so the demo never needs a key, whatever the environment holds."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    chosen = None
    if user is None:
        chosen = None if password else secrets.token_urlsafe(12)
        user = User(username=username, email=f"{username}@example.com")
        user.set_password(password or chosen)
        user.save()
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    stores = []
    for name in STORES:
        profile = Profile.objects.filter(user=user, name=name).first()
        if profile is None:
            profile = profile_create(user=user, name=name, tts_provider=TTSProvider.ESPEAK)
        elif profile.tts_provider != TTSProvider.ESPEAK:
            profile = profile_update(profile=profile, data={"tts_provider": TTSProvider.ESPEAK})
        stores.append(profile)
    return DemoUser(user=user, stores=stores, password=chosen)


def sample_footage_make(dest: Path, *, seconds: float) -> Path:
    """A 1280×720 test card with a tone, made by ffmpeg (no file needed)."""
    ff.run(builders.sample_footage(dest, seconds=seconds), timeout=ff.timeout_for(seconds))
    return dest


def demo_upload(*, profile: Profile, path: Path) -> SourceVideo:
    with profile_scope(profile), path.open("rb") as handle:
        return source_video_create(upload=File(handle, name=path.name), name=f"Demo footage ({path.name})")


def _run_in_thread(job_id: str, profile_id: str, outcome: list[str]) -> None:
    try:
        outcome.append(tasks.run_job(job_id, profile_id=profile_id))
    except Exception as exc:  # reported by the caller, which watches the job row
        outcome.append(f"crashed: {exc}")
    finally:
        connection.close()


def job_run_here(*, job: Job, timeout: float, on_progress: Callable[[int], None] | None = None) -> Job:
    """Run a queued job in this process, without a worker (call it in the job's profile scope).
    The job was also handed to q2 on commit: if a running worker claims it first, this run finds
    it taken ("skipped") and waits for the worker to finish it. Ctrl-C cancels the job."""
    outcome: list[str] = []
    thread = threading.Thread(target=_run_in_thread, args=(str(job.pk), str(job.profile_id), outcome), daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            row = Job.objects.values("status", "progress").get(pk=job.pk)
            if on_progress is not None:
                on_progress(row["progress"])
            if row["status"] in FINISHED and not thread.is_alive():
                break
            if time.monotonic() > deadline:
                raise DemoError(f"job {job.pk} did not finish within {timeout:.0f} s (status {row['status']})")
            time.sleep(0.2)
    except KeyboardInterrupt:
        job_cancel(job=Job.objects.get(pk=job.pk))
        thread.join(timeout=10)
        raise
    job.refresh_from_db()
    return job


def demo_postiz_setup(*, profile: Profile, url: str, key: str) -> Profile:
    return profile_update(profile=profile, data={"postiz_api_url": url, "postiz_api_key": key})


def demo_integrations(*, profile: Profile, wanted: list[str], caption: str) -> tuple[list[str], list[str]]:
    """The integrations to publish on: those asked for, or every enabled one whose provider
    needs no settings beyond the defaults. Returns (chosen ids, notes on the ones left out)."""
    with profile_scope(profile):
        available = postiz.integrations(profile, refresh=True)
    if wanted:
        known = {i.id for i in available}
        missing = [i for i in wanted if i not in known]
        if missing:
            raise DemoError(f"no integration {', '.join(missing)} in this Postiz")
        return wanted, []
    chosen, notes = [], []
    for integration in available:
        if integration.disabled:
            notes.append(f"{integration.name or integration.id}: disabled")
            continue
        try:
            build_settings(integration.identifier, caption=caption, overrides=None)
        except ProviderSettingsError as exc:
            notes.append(f"{integration.name or integration.id}: needs settings ({exc})")
            continue
        chosen.append(integration.id)
    if not chosen:
        raise DemoError("this Postiz has no enabled integration the demo can post to without settings")
    return chosen, notes


@dataclass
class RunCosts:
    total_usd: Decimal
    rows: Sequence[Mapping[str, Any]]


def demo_costs(*, profile: Profile, job_ids: list[UUID]) -> RunCosts:
    """What the run cost, from the ledger: every entry recorded for the run's jobs."""
    with profile_scope(profile):
        rows = list(
            CostEntry.objects.filter(job_id__in=job_ids)
            .values("provider", "model", "operation")
            .annotate(total=Sum("cost_usd"), entries=Count("id"))
            .order_by("provider", "operation")
        )
    return RunCosts(total_usd=sum((r["total"] for r in rows), Decimal(0)), rows=rows)


def stored_path(name: str) -> str:
    """The absolute path of a stored file (its URL on remote storage)."""
    try:
        return str(Path(default_storage.path(name)).resolve())
    except NotImplementedError:
        return default_storage.url(name)


def password_file() -> Path:
    return Path(settings.BASE_DIR) / ".var" / "demo_password"
