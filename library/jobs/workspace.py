"""Job workspaces: TEMP_ROOT/<profile_id>/<job_id>/, made at start and removed on every path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from django.conf import settings


def workspace_path(profile_id: UUID | str | None, job_id: UUID | str) -> Path:
    return Path(settings.TEMP_ROOT) / str(profile_id) / str(job_id)


@contextmanager
def workspace(profile_id: UUID | str | None, name: UUID | str) -> Iterator[Path]:
    path = workspace_path(profile_id, name)
    shutil.rmtree(path, ignore_errors=True)  # a previous attempt's leftovers never leak in
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
