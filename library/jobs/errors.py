"""A job's error text is read by the profile's users (API, admin): it names no path of the
machine. Paths under the install's own folders keep their tail after a label (`<workspace>/x`,
`<media>/<profile>/...`), so support can still tell which file it was; any other absolute path
keeps only its file name."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from django.conf import settings

_NOT_A_PATH_START = r"(?<![\w.:/<>~-])"  # a URL's path, a relative path, or a label we wrote
_ANY_ABSOLUTE_PATH = re.compile(_NOT_A_PATH_START + r"/(?:[^\s/'\"<>]+/)+([^\s/'\"<>]+)")


def _spellings(root: Path) -> list[str]:
    """The folder as configured and as resolved (an error may carry either)."""
    found = {str(root).rstrip("/")}
    with contextlib.suppress(OSError):
        found.add(str(root.resolve()).rstrip("/"))
    return [spelling for spelling in found if spelling]


def job_error_public(text: str) -> str:
    labels: list[tuple[str, str]] = []
    for spelling in _spellings(Path(settings.TEMP_ROOT)):
        # TEMP_ROOT/<profile>/<job>/...: a job's workspace.
        labels.append((re.escape(spelling) + r"/[^\s/'\"]+/[^\s/'\"]+(?=/)", "<workspace>"))
        labels.append((re.escape(spelling), "<temp>"))
    for spelling in _spellings(Path(settings.MEDIA_ROOT)):
        labels.append((re.escape(spelling), "<media>"))
    for spelling in _spellings(Path(settings.BASE_DIR)):
        labels.append((re.escape(spelling), "<app>"))
    # Longest first: one folder may sit inside another (the temp root inside the checkout...).
    for pattern, label in sorted(labels, key=lambda pair: len(pair[0]), reverse=True):
        text = re.sub(_NOT_A_PATH_START + pattern + r"(?![^\s/'\"<>])", label, text)
    return _ANY_ABSOLUTE_PATH.sub(lambda match: match.group(1), text)
