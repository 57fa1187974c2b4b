"""The clip's webhook event (clip.rendered), written into the outbox in the transaction that
swaps in the clip's new final render, with the clip as GET /api/v1/library/clips/{id}/ shows it.

Apart from library.jobs.events: it needs the clips API's serializer, whose module imports the
job services (which emit job events), so the two emitters live in separate modules."""

from __future__ import annotations

from typing import Any

from library.api.clips import ClipSerializer
from library.models import Clip
from webhooks.services import webhook_event_emit


def clip_rendered_emit(*, clip: Clip) -> None:
    """Call inside the transaction that saved the clip's final, in its profile's scope."""

    def data() -> dict[str, Any]:
        return {"clip": ClipSerializer(clip).data}

    webhook_event_emit(event_type="clip.rendered", data=data)
