"""prune_media: stored files that no row references go; referenced ones, recent ones (an upload
in flight) and other profiles' files stay."""

from __future__ import annotations

import os
import time
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from library.models import Clip, Job, Project, SourceVideo
from profiles.tenancy import profile_scope

OLD = 2 * 3600


def _file(root: Path, name: str, *, age: float = OLD) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * 10)
    past = time.time() - age
    os.utime(path, (past, past))
    return path


def _referenced(profile: Any, root: Path) -> list[Path]:
    p = profile.pk
    names = {key: f"{p}/{rest}" for key, rest in {
        "file": f"videos/{uuid.uuid4()}.mp4", "thumb": f"videos/{uuid.uuid4()}.jpg", "raw": f"clips/{uuid.uuid4()}/raw.mp4",
        "final": f"clips/{uuid.uuid4()}/final-1.mp4", "clip_thumb": f"clips/{uuid.uuid4()}/thumbnail.jpg",
        "output": f"jobs/{uuid.uuid4()}/trim.mp4",
    }.items()}  # fmt: skip
    with profile_scope(profile):
        SourceVideo.objects.create(name="v", file=names["file"], thumbnail=names["thumb"], sha256="0" * 64,
                                   size_bytes=10, duration=5, width=320, height=240)  # fmt: skip
        project = Project.objects.create(name="p")
        Clip.objects.create(project=project, variant_index=1, raw_file=names["raw"], final_file=names["final"],
                            thumbnail=names["clip_thumb"])  # fmt: skip
        Job.objects.create(kind="trim", output=names["output"])
    return [_file(root, name) for name in names.values()]


@pytest.fixture
def media(cast: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    alice, bob = cast.store_a.pk, cast.bob_store.pk
    gone = uuid.uuid4()
    return {
        "root": root,
        "kept": _referenced(cast.store_a, root) + _referenced(cast.bob_store, root),
        "alice_orphans": [
            _file(root, f"{alice}/videos/{uuid.uuid4()}.mp4"),
            _file(root, f"{alice}/clips/{uuid.uuid4()}/final-old.mp4"),
            _file(root, f"{alice}/jobs/{uuid.uuid4()}/concat.mp4"),
        ],
        "in_flight": _file(root, f"{alice}/videos/{uuid.uuid4()}.mp4", age=60),
        "bob_orphan": _file(root, f"{bob}/videos/{uuid.uuid4()}.mp4"),
        "deleted_profile": _file(root, f"{gone}/clips/{uuid.uuid4()}/final.mp4"),
        "loose": _file(root, "stray.bin"),
    }


def _run(*args: str) -> str:
    out = StringIO()
    call_command("prune_media", *args, stdout=out)
    return out.getvalue()


def _snapshot(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


def test_it_deletes_only_files_that_no_row_references(media: dict[str, Any]) -> None:
    output = _run()

    orphans = [*media["alice_orphans"], media["bob_orphan"], media["deleted_profile"], media["loose"]]
    assert [p for p in orphans if p.exists()] == []
    assert all(p.exists() for p in media["kept"])
    assert media["in_flight"].exists()  # younger than the default grace of an hour
    assert output.strip().splitlines()[-1] == (
        f"deleted 6 unreferenced file(s), 60 bytes; kept {len(media['kept'])} referenced and 1 recent"
    )
    # Emptied per-object folders and a deleted profile's whole folder go; shared ones stay.
    assert not media["alice_orphans"][1].parent.exists() and not media["alice_orphans"][2].parent.exists()
    assert not media["deleted_profile"].parent.parent.parent.exists()
    assert media["alice_orphans"][0].parent.exists()


def test_dry_run_changes_nothing(media: dict[str, Any]) -> None:
    before = _snapshot(media["root"])
    output = _run("--dry-run")
    assert _snapshot(media["root"]) == before
    assert "would delete 6 unreferenced file(s)" in output
    assert str(media["bob_orphan"].relative_to(media["root"])) in output
    assert all(str(p.relative_to(media["root"])) not in output for p in media["kept"])


def test_profile_touches_only_that_profiles_files(cast: Any, media: dict[str, Any]) -> None:
    before = _snapshot(media["root"])
    output = _run("--profile", str(cast.bob_store.pk))
    after = _snapshot(media["root"])
    assert set(before) - set(after) == {str(media["bob_orphan"].relative_to(media["root"]))}
    assert output.startswith("deleted 1 unreferenced file(s)")


def test_older_than_sets_the_grace(media: dict[str, Any]) -> None:
    _run("--older-than", "0")
    assert not media["in_flight"].exists()
    assert all(p.exists() for p in media["kept"])


def test_bad_arguments_are_command_errors(cast: Any, media: dict[str, Any]) -> None:
    before = _snapshot(media["root"])
    for args in (["--older-than", "soon"], ["--older-than", "-5m"], ["--profile", "nope"],
                 ["--profile", str(uuid.uuid4())]):  # fmt: skip
        with pytest.raises(CommandError):
            _run(*args)
    assert _snapshot(media["root"]) == before


def test_an_empty_media_root_is_fine(cast: Any, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "nothing-yet"
    assert _run().strip() == "deleted 0 unreferenced file(s), 0 bytes; kept 0 referenced and 0 recent"
