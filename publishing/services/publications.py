"""Queueing publications (one clip × several integrations), bulk scheduling, cancelling."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from library.models import Clip, ClipStatus, Job
from library.services.jobs import job_create
from profiles.errors import Invalid
from profiles.tenancy import scoped_profile
from publishing.models import Publication, PublicationStatus, PublicationType
from publishing.postiz import PostizError, ProviderSettingsError, build_settings
from publishing.services import postiz


def _check_clip(clip: Clip) -> None:
    if clip.status != ClipStatus.FINAL or not clip.final_file:
        raise Invalid({"clip": f"Clip {clip.pk} has no final render yet: render it first."})


def _check_when(type: str, scheduled_at: datetime | None) -> None:
    if type == PublicationType.SCHEDULE:
        if scheduled_at is None:
            raise Invalid({"scheduled_at": "Required for type 'schedule'."})
        if scheduled_at < timezone.now() - timedelta(minutes=1):
            raise Invalid({"scheduled_at": "Must be in the future."})


def _plan(
    clip: Clip, integrations: dict[str, Any], integration_ids: list[str], caption: str, overrides: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One publication per integration, with provider settings built and validated now — a
    bad setting is a 400 before anything is sent — and frozen on the row."""
    rows, errors = [], {}
    for integration_id in integration_ids:
        integration = integrations.get(integration_id)
        if integration is None:
            raise Invalid({"integration_ids": f"No integration {integration_id!r} in this profile's Postiz."})
        if integration.disabled:
            raise Invalid({"integration_ids": f"Integration {integration.name!r} is disabled in Postiz."})
        provider_overrides = (overrides or {}).get(integration.identifier) or (overrides or {}).get(integration_id)
        try:
            frozen = build_settings(integration.identifier, caption=caption, overrides=provider_overrides)
        except ProviderSettingsError as exc:
            errors[integration.identifier] = exc.errors
            continue
        rows.append({"integration": integration, "settings": frozen})
    if errors:
        raise Invalid({"settings": errors})
    return rows


def _create_rows(
    *, clip: Clip, rows: list[dict[str, Any]], caption: str, type: str, scheduled_at: datetime | None, job: Job | None
) -> list[Publication]:
    group = uuid.uuid4().hex
    made = []
    for row in rows:
        integration = row["integration"]
        publication = Publication(
            clip=clip, job=job, integration_id=integration.id, integration_identifier=integration.identifier,
            integration_name=integration.name or "", caption=caption, type=type,
            scheduled_at=scheduled_at if type == PublicationType.SCHEDULE else None, settings=row["settings"],
            group=group,
        )  # fmt: skip
        publication.full_clean()
        publication.save()
        made.append(publication)
    return made


def _integrations() -> dict[str, Any]:
    return {i.id: i for i in postiz.integrations(scoped_profile())}


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


@transaction.atomic
def publication_create(
    *,
    clip: Clip,
    integration_ids: list[str],
    caption: str,
    type: str = PublicationType.NOW,
    scheduled_at: datetime | None = None,
    settings: dict[str, Any] | None = None,
) -> Job:
    """Queue one clip for several integrations: one publish job, one POST /posts for all."""
    _check_clip(clip)
    _check_when(type, scheduled_at)
    rows = _plan(clip, _integrations(), _dedupe(integration_ids), caption, settings)
    job = job_create(kind="publish", clip=clip, params={})
    publications = _create_rows(clip=clip, rows=rows, caption=caption, type=type, scheduled_at=scheduled_at, job=job)
    job.params = {"groups": [publications[0].group]}
    job.save(update_fields=["params"])
    return job


@transaction.atomic
def publication_create_rows_for_clips(
    *,
    clips: list[Clip],
    job: Job,
    integration_ids: list[str],
    caption: str = "",
    type: str = PublicationType.NOW,
    scheduled_at: datetime | None = None,
    settings: dict[str, Any] | None = None,
) -> list[str]:
    """Inside a running job (one-click): queue each clip on the integrations; returns the groups.
    Refusals are domain errors (Invalid, PostizUnavailable): the job fails with their detail."""
    _check_when(type, scheduled_at)
    integrations = _integrations()
    groups = []
    for clip in clips:
        _check_clip(clip)
        rows = _plan(clip, integrations, _dedupe(integration_ids), caption, settings)
        made = _create_rows(clip=clip, rows=rows, caption=caption, type=type, scheduled_at=scheduled_at, job=job)
        groups.append(made[0].group)
    return groups


@transaction.atomic
def publications_bulk(
    *,
    clips: list[Clip],
    integration_ids: list[str],
    caption: str,
    start_at: datetime,
    interval_minutes: int,
    settings: dict[str, Any] | None = None,
) -> Job:
    """Schedule clip i at start_at + i × interval on every integration: one job that submits
    them one after another, pacing itself under the profile's hourly POST /posts budget."""
    if start_at < timezone.now() - timedelta(minutes=1):
        raise Invalid({"start_at": "Must be in the future."})
    for clip in clips:
        _check_clip(clip)
    integrations = _integrations()
    job = job_create(kind="publish", params={})
    groups = []
    for i, clip in enumerate(clips):
        when = start_at + timedelta(minutes=interval_minutes * i)
        rows = _plan(clip, integrations, _dedupe(integration_ids), caption, settings)
        made = _create_rows(
            clip=clip, rows=rows, caption=caption, type=PublicationType.SCHEDULE, scheduled_at=when, job=job
        )
        groups.append(made[0].group)
    job.params = {"groups": groups}
    job.save(update_fields=["params"])
    return job


@transaction.atomic
def publication_cancel(*, publication: Publication) -> list[Publication]:
    """Cancel a publication and the rest of its group (Postiz deletes a post's whole group)."""
    group = list(Publication.objects.select_for_update().filter(group=publication.group))
    submitted = next((p for p in group if p.postiz_post_id), None)
    if all(p.status in (PublicationStatus.CANCELLED, PublicationStatus.FAILED) for p in group):
        raise Invalid({"detail": "Already cancelled or failed."})
    if submitted is not None:
        profile = scoped_profile()
        try:
            with postiz.client_for(profile) as client:
                client.delete_post(submitted.postiz_post_id)
        except PostizError as exc:
            if exc.status != 404:  # already gone in Postiz: nothing left to delete
                raise postiz.as_api_error(profile, exc) from None
    Publication.objects.filter(pk__in=[p.pk for p in group]).exclude(status=PublicationStatus.FAILED).update(
        status=PublicationStatus.CANCELLED, error="Cancelled."
    )
    return list(Publication.objects.filter(group=publication.group))
