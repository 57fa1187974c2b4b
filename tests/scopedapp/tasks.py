from __future__ import annotations

from profiles.tenancy import current_profile_id, scoped_task
from tests.scopedapp.models import Note


@scoped_task
def note_rename(note_id: int, title: str) -> dict:
    note = Note.objects.get(pk=note_id)
    note.title = title
    note.save(update_fields=["title"])
    return {"profile_id": str(current_profile_id()), "visible": Note.objects.count()}
