from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from library.models import JobStatus
from tests.jobs import make_job, reload


def _workspace(profile: Any, name: Any, *, age: float = 0) -> Path:
    path = Path(settings.TEMP_ROOT) / str(profile.pk) / str(name)
    path.mkdir(parents=True)
    (path / "partial.mp4").write_bytes(b"x" * 100)
    if age:
        past = time.time() - age
        os.utime(path, (past, past))
    return path


@pytest.fixture
def layout(cast: Any) -> dict[str, Path]:
    stale = timezone.now() - timedelta(hours=1)
    root = Path(settings.TEMP_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    legacy = root / "old-render.mp4"
    legacy.write_bytes(b"x")
    return {
        "a_done": _workspace(cast.store_a, make_job(cast.store_a, status=JobStatus.SUCCEEDED).pk),
        "a_failed": _workspace(cast.store_a, make_job(cast.store_a, status=JobStatus.FAILED).pk),
        "a_running": _workspace(
            cast.store_a, make_job(cast.store_a, status=JobStatus.RUNNING, heartbeat_at=timezone.now()).pk
        ),
        "a_dead": _workspace(cast.store_a, make_job(cast.store_a, status=JobStatus.RUNNING, heartbeat_at=stale).pk),
        "a_queued": _workspace(cast.store_a, make_job(cast.store_a, status=JobStatus.QUEUED).pk),
        "a_orphan_old": _workspace(cast.store_a, uuid.uuid4(), age=7200),
        "a_orphan_new": _workspace(cast.store_a, uuid.uuid4()),
        "b_done": _workspace(cast.bob_store, make_job(cast.bob_store, status=JobStatus.CANCELLED).pk),
        "legacy": legacy,
    }


def _run(*args: str) -> str:
    out = StringIO()
    call_command("cleanup_temp", *args, stdout=out)
    return out.getvalue()


def test_it_removes_what_no_live_job_needs(layout: dict[str, Path]) -> None:
    output = _run()
    gone = {k for k, p in layout.items() if not p.exists()}
    assert gone == {"a_done", "a_failed", "a_dead", "a_orphan_old", "b_done", "legacy"}
    assert output.strip().startswith("removed 6 path(s)")


def test_dry_run_lists_without_deleting(layout: dict[str, Path]) -> None:
    output = _run("--dry-run")
    assert all(p.exists() for p in layout.values())
    assert "would remove 6 path(s)" in output
    assert str(layout["a_done"]) in output and str(layout["a_running"]) not in output


def test_profile_limits_the_sweep_to_that_profile(cast: Any, layout: dict[str, Path]) -> None:
    _run("--profile", str(cast.bob_store.pk))
    assert not layout["b_done"].exists()
    assert all(p.exists() for k, p in layout.items() if k != "b_done")


def test_older_than_spares_recent_work(layout: dict[str, Path]) -> None:
    _run("--older-than", "30m")
    assert layout["a_orphan_old"].exists() is False
    assert layout["a_done"].exists()  # finished, but too recent


def test_bad_arguments_are_command_errors(cast: Any) -> None:
    with pytest.raises(CommandError):
        _run("--older-than", "soon")
    with pytest.raises(CommandError):
        _run("--profile", "not-a-uuid")
    with pytest.raises(CommandError):
        _run("--profile", str(uuid.uuid4()))


def test_requeue_stale_jobs_command(cast: Any) -> None:
    dead = make_job(
        cast.store_a, status=JobStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1), attempts=1
    )
    alive = make_job(cast.store_a, status=JobStatus.RUNNING, heartbeat_at=timezone.now(), attempts=1)
    out = StringIO()
    call_command("requeue_stale_jobs", stdout=out)
    assert out.getvalue().strip() == "requeued 1 job(s), failed 0"
    assert reload(dead).status == JobStatus.QUEUED
    assert reload(alive).status == JobStatus.RUNNING
