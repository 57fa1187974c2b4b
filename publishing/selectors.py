"""Reads of publications for views, commands and the dashboard (the current profile's rows)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from costs.models import CostEntry
from library.models import Clip, Job
from publishing.models import Publication, PublicationStat, PublicationStatus

COUNTS = ("views", "likes", "comments", "shares")
# Which clips a job made, by kind: these made every clip of their project; bulk-render the clips
# in its params; any other job with a clip (render), that clip. Jobs that made no clip (a lone
# analysis, a transcription, a TTS preview, a tool run) are not charged to any clip.
PROJECT_KINDS = ("generate", "generate-from-segments", "one-click")


def publication_list(*, job: Job) -> QuerySet[Publication]:
    """The publications a publish job made, by integration."""
    return Publication.objects.filter(job=job).order_by("integration_identifier")


def dashboard_publication_counts(*, since: datetime | None) -> dict[str, int]:
    """Publications created since `since` (None: all) by status, every status present."""
    queryset = Publication.objects.all() if since is None else Publication.objects.filter(created_at__gte=since)
    found = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    return {status: found.get(status, 0) for status in PublicationStatus.values}


def publication_analytics(*, publication: Publication) -> dict[str, object]:
    """A publication's statistics: the four counts over the days Postiz reported, and each day."""
    days = list(PublicationStat.objects.filter(publication=publication).order_by("date"))
    totals = {name: sum(getattr(day, name) for day in days) for name in ("views", "likes", "comments", "shares")}
    return {
        "publication": publication.pk,
        "checked_at": publication.analytics_checked_at,
        "error": publication.analytics_error,
        "totals": totals,
        "days": days,
    }


def dashboard_engagement(*, since: datetime | None) -> dict[str, int]:
    """Views, likes, comments and shares of the current profile's posts on the days since
    `since` (None: ever), as Postiz reported them."""
    stats = PublicationStat.objects.all() if since is None else PublicationStat.objects.filter(date__gte=since.date())
    sums = stats.aggregate(views=Sum("views"), likes=Sum("likes"), comments=Sum("comments"), shares=Sum("shares"))
    return {name: int(value or 0) for name, value in sums.items()}


def _summed(stats: QuerySet[PublicationStat], key: str) -> QuerySet:
    """The four counts summed per `key` (a clip, a day), in the database."""
    sums = {name: Sum(name) for name in COUNTS}
    return stats.order_by().values(key).annotate(**sums)


def _rows(summed: QuerySet, key: str) -> list[dict[str, Any]]:
    """The rows of `_summed` as plain dicts (NULL sums as 0)."""
    rows = cast("Iterable[Mapping[str, Any]]", summed)
    return [{key: row[key], **{name: int(row[name] or 0) for name in COUNTS}} for row in rows]


def _per_thousand(cost: Decimal, views: int) -> Decimal | None:
    return None if not views else (cost * 1000 / views).quantize(Decimal("0.0001"))


def clip_engagement(*, clip_ids: Collection[uuid.UUID], since: date | None = None) -> dict[uuid.UUID, dict[str, int]]:
    """The four counts of each clip, summed over its publications' days (since `since`)."""
    if not clip_ids:
        return {}
    stats = PublicationStat.objects.filter(publication__clip_id__in=clip_ids)
    if since is not None:
        stats = stats.filter(date__gte=since)
    rows = _rows(_summed(stats, "publication__clip_id"), "publication__clip_id")
    found = {row["publication__clip_id"]: {name: row[name] for name in COUNTS} for row in rows}
    return {pk: found.get(pk, dict.fromkeys(COUNTS, 0)) for pk in clip_ids}


def clip_costs(*, clips: Collection[Clip]) -> dict[uuid.UUID, Decimal]:
    """What each clip cost: every job that made it (see PROJECT_KINDS) charges its ledger
    entries evenly to the clips it made that still exist. Four queries, however many clips."""
    ids = {clip.pk for clip in clips}
    shares: dict[uuid.UUID, Decimal] = dict.fromkeys(ids, Decimal(0))
    if not ids:
        return shares
    projects = {clip.project_id for clip in clips}
    made_them = Q(kind__in=PROJECT_KINDS, project_id__in=projects) | (
        Q(clip_id__in=ids) & ~Q(kind__in=(*PROJECT_KINDS, "bulk-render"))
    )
    for pk in ids:
        made_them |= Q(kind="bulk-render", params__clips__contains=[str(pk)])
    rows = list(Job.objects.filter(made_them).values("id", "kind", "clip_id", "project_id", "params"))
    spent = dict(
        CostEntry.objects.filter(job_id__in=[row["id"] for row in rows])
        .order_by()
        .values_list("job_id")
        .annotate(total=Sum("cost_usd"))
    )
    rows = [row for row in rows if spent.get(row["id"])]
    named = {pk for row in rows if row["kind"] == "bulk-render" for pk in row["params"].get("clips", [])}
    existing = {str(pk) for pk in Clip.objects.filter(pk__in=named).values_list("pk", flat=True)}
    by_project: dict[uuid.UUID, list[uuid.UUID]] = {}
    for clip_id, project_id in Clip.objects.filter(
        project_id__in={row["project_id"] for row in rows if row["kind"] in PROJECT_KINDS}
    ).values_list("pk", "project_id"):
        by_project.setdefault(project_id, []).append(clip_id)
    for row in rows:
        if row["kind"] in PROJECT_KINDS:
            made = by_project.get(row["project_id"], [])
        elif row["kind"] == "bulk-render":
            made = [uuid.UUID(pk) for pk in row["params"].get("clips", []) if pk in existing]
        else:
            made = [row["clip_id"]]
        for clip_id in made:
            if clip_id in shares:
                shares[clip_id] += spent[row["id"]] / len(made)
    return {pk: total.quantize(Decimal("0.000001")) for pk, total in shares.items()}


def clip_analytics(*, clip: Clip) -> dict[str, object]:
    """A clip's statistics over all its publications (each day summed across them), what it
    cost (its share of the jobs that made it) and so what 1,000 of its views cost."""
    stats = PublicationStat.objects.filter(publication__clip=clip)
    days = _rows(_summed(stats, "date").order_by("date"), "date")
    totals = {name: sum(day[name] for day in days) for name in COUNTS}
    cost = clip_costs(clips=[clip])[clip.pk]
    return {
        "clip": clip.pk,
        "publications": Publication.objects.filter(clip=clip, status=PublicationStatus.PUBLISHED).count(),
        "totals": totals,
        "days": days,
        "cost_usd": cost,
        "cost_per_1000_views_usd": _per_thousand(cost, totals["views"]),
    }


def top_clips(*, since: date | None, limit: int = 5) -> list[dict[str, object]]:
    """The clips with the most views on the days since `since` (None: ever), most first, each
    with its counts in that range and its cost per 1,000 views over its whole life (a clip is
    paid for once, when made, and gathers views afterwards)."""
    stats = PublicationStat.objects.exclude(publication__clip=None)
    if since is not None:
        stats = stats.filter(date__gte=since)
    ranked = _rows(
        _summed(stats, "publication__clip_id").filter(views__gt=0).order_by("-views", "publication__clip_id")[:limit],
        "publication__clip_id",
    )
    clips = Clip.objects.select_related("project").in_bulk([row["publication__clip_id"] for row in ranked])
    costs = clip_costs(clips=list(clips.values()))
    lifetime = clip_engagement(clip_ids=list(clips))
    top: list[dict[str, object]] = []
    for row in ranked:
        clip = clips[row["publication__clip_id"]]
        top.append({
            "clip": clip.pk, "name": f"{clip.project.name} · v{clip.variant_index}",
            **{name: row[name] for name in COUNTS},
            "cost_usd": costs[clip.pk], "cost_per_1000_views_usd": _per_thousand(costs[clip.pk], lifetime[clip.pk]["views"]),
        })  # fmt: skip
    return top


def publications_per_day(*, since: datetime) -> dict[date, int]:
    """Posts published per day (UTC) since `since`."""
    rows = (
        Publication.objects.filter(status=PublicationStatus.PUBLISHED, published_at__gte=since)
        .annotate(day=TruncDate("published_at", tzinfo=UTC))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    return dict(rows)
