"""Sweeping TEMP_ROOT: workspaces of finished or dead jobs, orphans, and legacy flat files."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from library.models import Job, JobStatus
from profiles.tenancy import unscoped


@dataclass
class SweepReport:
    removed: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    bytes_freed: int = 0


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _as_uuid(name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(name)
    except ValueError:
        return None


def temp_sweep(
    *,
    profile_id: uuid.UUID | str | None = None,
    older_than: timedelta | None = None,
    dry_run: bool = False,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> SweepReport:
    """Remove what no live job needs. `profile_id` limits the sweep to one profile's folder
    (legacy flat files then stay: they belong to no profile); `older_than` spares anything
    modified more recently; `dry_run` only reports. `progress` wraps the loop over candidates
    (a command's progress bar)."""
    root = Path(settings.TEMP_ROOT)
    report = SweepReport()
    if not root.is_dir():
        return report
    now = time.time()
    min_age = older_than.total_seconds() if older_than else 0.0
    stale_cutoff = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)

    def old_enough(path: Path, at_least: float = 0.0) -> bool:
        return now - path.stat().st_mtime >= max(min_age, at_least)

    candidates: list[tuple[Path, uuid.UUID | None]] = []
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and _as_uuid(entry.name):
            if profile_id is None or entry.name == str(profile_id):
                candidates += [(ws, _as_uuid(ws.name)) for ws in sorted(entry.iterdir())]
        elif profile_id is None and not entry.is_dir() and old_enough(entry):
            candidates.append((entry, None))  # a legacy flat file from an older layout

    job_ids = [job_id for _, job_id in candidates if job_id]
    with unscoped():
        jobs = {j["id"]: j for j in Job.objects.filter(pk__in=job_ids).values("id", "status", "heartbeat_at")}
    for path, job_id in progress(candidates) if progress else candidates:
        job = jobs.get(job_id) if job_id else None
        if job is None:
            removable = path.is_file() or old_enough(path, settings.TEMP_ORPHAN_GRACE_SECONDS)
        elif job["status"] == JobStatus.RUNNING:
            removable = bool(job["heartbeat_at"] and job["heartbeat_at"] < stale_cutoff) and old_enough(path)
        elif job["status"] == JobStatus.QUEUED:
            removable = False
        else:
            removable = old_enough(path)
        if not removable:
            report.kept.append(path)
            continue
        report.bytes_freed += _size(path)
        report.removed.append(path)
        if not dry_run:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return report
