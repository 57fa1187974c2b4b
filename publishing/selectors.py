"""Reads of publications for views, commands and the dashboard (the current profile's rows)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, QuerySet

from library.models import Job
from publishing.models import Publication, PublicationStatus


def publication_list(*, job: Job) -> QuerySet[Publication]:
    """The publications a publish job made, by integration."""
    return Publication.objects.filter(job=job).order_by("integration_identifier")


def dashboard_publication_counts(*, since: datetime | None) -> dict[str, int]:
    """Publications created since `since` (None: all) by status, every status present."""
    queryset = Publication.objects.all() if since is None else Publication.objects.filter(created_at__gte=since)
    found = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    return {status: found.get(status, 0) for status in PublicationStatus.values}
