"""Where media lives: Django's storage API, under <profile_id>/... (local disk by default, an
S3-compatible bucket when several machines share the work: nothing here assumes a shared disk)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage


def store_file(local: Path, name: str) -> str:
    """Copy a finished local file into storage as `name`; returns the stored name."""
    with local.open("rb") as handle:
        return default_storage.save(name, File(handle, name=local.name))


def delete_stored(*names: str | None) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def _remote_object(handle: object) -> Any | None:
    """The boto3 Object behind an opened S3 file (django-storages' S3File), None on local disk.
    Reading an S3File itself downloads the whole object into memory first; its Object reads
    ranges and streams."""
    return getattr(handle, "obj", None)


def local_copy(name: str, dest: Path) -> Path:
    """A local path holding the stored file: the file itself on local disk, else a download
    into `dest` (remote storage)."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        with default_storage.open(name, "rb") as src:
            remote = _remote_object(src)
            if remote is not None:
                remote.download_file(str(dest))  # boto3's managed transfer: parallel ranged GETs
            else:
                with dest.open("wb") as out:
                    shutil.copyfileobj(src, out, length=1024 * 1024)
        return dest


def open_stream(name: str, *, start: int = 0, length: int | None = None) -> IO[bytes]:
    """A readable stream of the stored file from byte `start` (`length` bytes, or to the end),
    without holding the file in memory: a seeked file on local disk, a ranged GET on S3."""
    handle = default_storage.open(name, "rb")
    remote = _remote_object(handle)
    if remote is None:
        handle.seek(start)
        return handle
    handle.close()
    if start == 0 and length is None:
        return remote.get()["Body"]
    last = "" if length is None else str(start + length - 1)
    return remote.get(Range=f"bytes={start}-{last}")["Body"]
