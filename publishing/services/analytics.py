"""Statistics of published posts, from Postiz (GET /analytics/post/{id}): fetched on a schedule
(publishing.tasks.fetch_analytics) and on demand, stored per publication and day.

A Postiz without the route (an older self-hosted install answers 404) is reported on the
publication and remembered for the profile for a day, so the schedule does not ask it again at
every run; any other failure is recorded and the next run tries again."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from profiles.models import Profile
from profiles.tenancy import scoped_profile
from publishing.models import Publication, PublicationStat, PublicationStatus
from publishing.postiz import PostizClient, PostizError
from publishing.postiz.analytics import PostAnalytics

logger = logging.getLogger(__name__)

NO_ROUTE = (
    "This Postiz has no statistics route (GET /analytics/post answered 404): update Postiz to see "
    "views and engagement. Asked again in a day."
)
MISSING = "Postiz no longer knows this post's id at the social network: it has no statistics."
# Provider labels (lower case) counted as each of the four numbers every dashboard shows.
COUNTS = {
    "views": ("views", "video views", "plays", "impressions"),
    "likes": ("likes", "reactions", "favorites"),
    "comments": ("comments", "replies"),
    "shares": ("shares", "reposts", "retweets"),
}


def _no_route_key(profile: Profile) -> str:
    return f"editai:postiz-analytics-404:{profile.pk}"


def analytics_supported(profile: Profile) -> bool:
    return not cache.get(_no_route_key(profile))


def _store(publication: Publication, result: PostAnalytics) -> int:
    by_day: dict[date, dict[str, int]] = {}
    for series in result.series:
        for day, total in series.days.items():
            by_day.setdefault(day, {})[series.label] = total
    for day, metrics in by_day.items():
        lowered = {label.lower(): total for label, total in metrics.items()}
        counts = {
            name: next((lowered[label] for label in labels if label in lowered), 0) for name, labels in COUNTS.items()
        }
        PublicationStat.objects.update_or_create(
            publication=publication, date=day, defaults={**counts, "metrics": metrics}
        )
    return len(by_day)


def publication_analytics_fetch(*, publication: Publication, client: PostizClient) -> int:
    """Ask Postiz for the publication's statistics and store them; returns the days stored.
    Raises PostizError (a 404 too, after recording it) for the caller to report."""
    profile = scoped_profile()
    now = timezone.now()
    try:
        result = client.post_analytics(publication.postiz_post_id, days=settings.POSTIZ_ANALYTICS_DAYS)
    except PostizError as exc:
        error = NO_ROUTE if exc.status == 404 else f"Postiz statistics unavailable: {exc.message}"
        if exc.status == 404:
            cache.set(_no_route_key(profile), True, timeout=24 * 3600)
        Publication.objects.filter(pk=publication.pk).update(analytics_checked_at=now, analytics_error=error[:300])
        raise
    with transaction.atomic():
        stored = _store(publication, result)
        Publication.objects.filter(pk=publication.pk).update(
            analytics_checked_at=now, analytics_error=MISSING if result.missing else ""
        )
    return stored


def analytics_refresh(*, client: PostizClient) -> dict[str, int]:
    """The current profile's published posts of the last POSTIZ_ANALYTICS_MAX_AGE_DAYS days, each
    asked for its statistics. Stops at the first 404 (the route is missing for all of them)."""
    profile = scoped_profile()
    counts = {"publications": 0, "days": 0, "errors": 0}
    if not analytics_supported(profile):
        return counts
    since = timezone.now() - timedelta(days=settings.POSTIZ_ANALYTICS_MAX_AGE_DAYS)
    published = Publication.objects.filter(status=PublicationStatus.PUBLISHED, published_at__gte=since).exclude(
        postiz_post_id=""
    )
    for publication in published.order_by("-published_at"):
        try:
            counts["days"] += publication_analytics_fetch(publication=publication, client=client)
        except PostizError as exc:
            counts["errors"] += 1
            if exc.status == 404 or exc.code == "auth":
                break
            continue
        counts["publications"] += 1
    return counts
