from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

VIDEOS = "/api/v1/library/source-videos/"


def upload(client: Any, path: Path, *, filename: str | None = None, **fields: Any) -> Any:
    if filename is None:
        with path.open("rb") as handle:
            return client.post(VIDEOS, {"file": handle, **fields}, format="multipart")
    # Django's test client strips folders from file names; build the body by hand so the
    # server sees exactly the name a hostile client would send.
    boundary = "----editai-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic("POST", VIDEOS, body, content_type=f"multipart/form-data; boundary={boundary}")


def files_under(root: Path, profile: Any) -> list[Path]:
    folder = Path(root) / str(profile.pk)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def media_files(profile: Any) -> list[Path]:
    return files_under(settings.MEDIA_ROOT, profile)


def temp_entries(profile: Any) -> list[Path]:
    folder = Path(settings.TEMP_ROOT) / str(profile.pk)
    return sorted(folder.iterdir()) if folder.exists() else []
