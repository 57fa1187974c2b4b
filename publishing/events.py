"""Publishing's webhook events (publication.published, publication.failed), written into the
outbox in the transaction that records the new status, with each publication as
GET /api/v1/publishing/publications/{id}/ shows it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from publishing.models import Publication, PublicationStatus
from publishing.serializers import PublicationSerializer
from webhooks.services import webhook_event_emit

PUBLICATION_EVENTS = {
    PublicationStatus.PUBLISHED: "publication.published",
    PublicationStatus.FAILED: "publication.failed",
}


def publications_status_emit(*, publication_ids: Iterable[UUID], status: str) -> None:
    """Call inside the transaction that moved these publications to `status`, in their profile's
    scope: one event per publication."""
    for publication_id in publication_ids:

        def data(pk: UUID = publication_id) -> dict[str, Any]:
            return {"publication": PublicationSerializer(Publication.objects.get(pk=pk)).data}

        webhook_event_emit(event_type=PUBLICATION_EVENTS[PublicationStatus(status)], data=data)
