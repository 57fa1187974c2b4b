"""Pruning stored media that no row references: leftovers of crashes, re-renders, deleted rows
and deleted profiles; and cached voiceovers unused for VOICEOVER_CACHE_DAYS. Works through
Django's storage API, so it prunes S3 as well as disk."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from library.models import BrandKit, Clip, Job, MusicTrack, SourceVideo, Voiceover
from library.services.voiceovers import voiceovers_expire
from profiles.models import Profile
from profiles.tenancy import unscoped

# Every column that names a stored file. A file none of them names is an orphan.
FILE_COLUMNS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (SourceVideo, ("file", "thumbnail")),
    (Clip, ("raw_file", "final_file", "preview_file", "thumbnail")),
    (Job, ("output",)),
    (BrandKit, ("logo", "font")),
    (MusicTrack, ("file",)),
    (Voiceover, ("file",)),
)


@dataclass
class PruneReport:
    removed: list[str] = field(default_factory=list)
    kept_recent: int = 0
    referenced: int = 0
    bytes_freed: int = 0
    voiceovers_expired: int = 0


def _walk(folder: str) -> Iterator[str]:
    """Every stored file name under `folder` ("" for the root)."""
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for sub in sorted(dirs):
        yield from _walk(prefix + sub)


def _referenced(names: list[str], prefix: str) -> set[str]:
    """The subset of `names` that some row (of any profile) references."""
    found: set[str] = set()
    with unscoped():
        for model, columns in FILE_COLUMNS:
            for column in columns:
                lookup = Q(**{f"{column}__startswith": prefix}) if prefix else Q(**{f"{column}__in": names})
                found.update(model.objects.filter(lookup).values_list(column, flat=True))
    return found & set(names)


def _remove_empty_dirs(folder: str, removed: list[str]) -> None:
    """Local storage keeps empty folders behind. Drop the per-object ones the prune emptied
    (<profile>/clips/<clip_id>/, <profile>/jobs/<job_id>/); a deleted profile's whole folder
    goes too. Shared folders of a live profile stay: an upload may be storing into them."""
    try:
        root = Path(default_storage.path(folder))
    except NotImplementedError:  # object storage has no folders
        return
    profile_id = _as_uuid(folder)
    profile_alive = Profile.objects.filter(pk=profile_id).exists() if profile_id else True
    if profile_alive:
        emptied = {Path(default_storage.path(name)).parent for name in removed}
        candidates = [p for p in emptied if len(p.relative_to(root).parts) >= 2]
    else:
        candidates = [p for p in root.rglob("*") if p.is_dir()] + [root]
    for path in sorted(candidates, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty: something else lives there
            path.rmdir()


def _temp_folder() -> str | None:
    """TEMP_ROOT's name when it sits directly in MEDIA_ROOT: job workspaces are not media."""
    temp, media = Path(settings.TEMP_ROOT).resolve(), Path(settings.MEDIA_ROOT).resolve()
    return temp.name if temp.parent == media else None


def _as_uuid(name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(name)
    except ValueError:
        return None


def media_prune(
    *,
    profile_id: uuid.UUID | str | None = None,
    older_than: timedelta,
    dry_run: bool = False,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> PruneReport:
    """Forget cached voiceovers unused for VOICEOVER_CACHE_DAYS, then delete stored files that
    no row (FILE_COLUMNS) references.

    Files live under <profile_id>/; `profile_id` limits the prune to that folder. A file
    modified within `older_than` is spared: an upload or a render stores its file a moment
    before the row that names it commits. `dry_run` only reports."""
    report = PruneReport(voiceovers_expired=voiceovers_expire(profile_id=profile_id, dry_run=dry_run))
    cutoff = timezone.now() - older_than
    folders: list[str]
    loose: list[str]
    if profile_id is not None:
        folders, loose = [str(profile_id)], []
    else:
        try:
            folders, loose = default_storage.listdir("")
        except FileNotFoundError:
            return report
    # One unit of work per profile folder, then the loose files at the root (if any).
    units: list[tuple[str, list[str] | None]] = [(f, None) for f in sorted(folders) if f != _temp_folder()]
    if loose:
        units.append(("", sorted(loose)))
    for folder, loose_names in progress(units) if progress else units:
        names = loose_names if loose_names is not None else list(_walk(folder))
        removed = _prune_names(names, f"{folder}/" if folder else "", cutoff, dry_run, report)
        if folder and not dry_run:
            _remove_empty_dirs(folder, removed)
    return report


def _prune_names(names: list[str], prefix: str, cutoff: datetime, dry_run: bool, report: PruneReport) -> list[str]:
    referenced = _referenced(names, prefix) if names else set()
    report.referenced += len(referenced)
    removed = []
    for name in names:
        if name in referenced:
            continue
        if default_storage.get_modified_time(name) > cutoff:
            report.kept_recent += 1
            continue
        report.bytes_freed += default_storage.size(name)
        removed.append(name)
        if not dry_run:
            default_storage.delete(name)
    report.removed += removed
    return removed
