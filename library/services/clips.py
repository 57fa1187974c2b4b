from __future__ import annotations

from django.db import transaction

from library import storage
from library.models import Clip


@transaction.atomic
def clips_select(*, clips: list[Clip], selected: bool) -> list[Clip]:
    Clip.objects.filter(pk__in=[c.pk for c in clips]).update(is_selected=selected)
    for clip in clips:
        clip.is_selected = selected
    return clips


@transaction.atomic
def clip_delete(*, clip: Clip) -> None:
    """Delete the clip and, once that commits, its files."""
    names = [f.name for f in (clip.raw_file, clip.final_file, clip.preview_file, clip.thumbnail) if f]
    clip.delete()
    transaction.on_commit(lambda: storage.delete_stored(*names))
