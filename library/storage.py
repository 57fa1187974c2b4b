"""Where media lives: Django's storage API, under <profile_id>/... (local disk by default)."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage


def store_file(local: Path, name: str) -> str:
    """Copy a finished local file into storage as `name`; returns the stored name."""
    with local.open("rb") as handle:
        return default_storage.save(name, File(handle, name=local.name))


def delete_stored(*names: str) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def local_copy(name: str, dest: Path) -> Path:
    """A local path holding the stored file: the file itself on local disk, else a download
    into `dest` (remote storage)."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        with default_storage.open(name, "rb") as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, length=1024 * 1024)
        return dest
