from __future__ import annotations

from typing import Any

from django.db import transaction

from library.models import Segment, SourceVideo
from profiles.common import model_update

SEGMENT_FIELDS = ("start", "end", "keywords", "notes", "score", "is_favorite")


def _keywords(values: list[str]) -> list[str]:
    """Trimmed, lower-cased, unique, in order."""
    seen: dict[str, None] = {}
    for value in values:
        word = value.strip().lower()
        if word:
            seen.setdefault(word, None)
    return list(seen)


@transaction.atomic
def segment_create(
    *,
    source_video: SourceVideo,
    start: float,
    end: float,
    keywords: list[str] | None = None,
    notes: str = "",
    score: float | None = None,
    is_favorite: bool = False,
) -> Segment:
    segment = Segment(
        source_video=source_video, start=start, end=end, keywords=_keywords(keywords or []), notes=notes,
        score=score, is_favorite=is_favorite,
    )  # fmt: skip
    segment.full_clean()
    segment.save()
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, data: dict[str, Any]) -> Segment:
    if "keywords" in data:
        data = {**data, "keywords": _keywords(data["keywords"])}
    return model_update(instance=segment, fields=SEGMENT_FIELDS, data=data)
