"""django-q2 entry points of publishing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from profiles.models import Profile
from profiles.tenancy import profile_scope, unscoped
from publishing.models import Publication, PublicationStatus
from publishing.postiz import PostizError
from publishing.services import analytics, postiz, submit

logger = logging.getLogger(__name__)


def reconcile_publications(profile_id: str | None = None) -> str:
    """Every profile (or one) with submitted publications: ask its Postiz for their states."""
    return reconcile_summary(reconcile_totals(profile_id))


def reconcile_summary(totals: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in totals.items())


def reconcile_totals(
    profile_id: str | None = None, progress: Callable[[Iterable], Iterable] | None = None
) -> dict[str, int]:
    """The work of reconcile_publications, with counts; `progress` wraps the loop over profiles
    (the command's progress bar)."""
    with unscoped():
        ids = set(Publication.objects.filter(status=PublicationStatus.SUBMITTED).values_list("profile_id", flat=True))
        profiles = list(Profile.objects.filter(pk__in=ids, **({"pk": profile_id} if profile_id else {})))
    totals = {"profiles": 0, "checked": 0, "published": 0, "failed": 0, "errors": 0}
    for profile in progress(profiles) if progress else profiles:
        with profile_scope(profile):
            try:
                with postiz.client_for(profile) as client:
                    counts = submit.reconcile(client=client)
            except (PostizError, postiz.PostizNotConfigured) as exc:
                if isinstance(exc, PostizError):
                    postiz.note_error(profile, exc)
                logger.warning("reconcile failed: %s", exc)
                totals["errors"] += 1
                continue
        totals["profiles"] += 1
        for key in ("checked", "published", "failed"):
            totals[key] += counts[key]
    return totals


def fetch_analytics(profile_id: str | None = None) -> str:
    """Every profile (or one) with posts published lately: their statistics from Postiz."""
    since = timezone.now() - timedelta(days=settings.POSTIZ_ANALYTICS_MAX_AGE_DAYS)
    with unscoped():
        recent = Publication.objects.filter(status=PublicationStatus.PUBLISHED, published_at__gte=since)
        ids = set(recent.exclude(postiz_post_id="").values_list("profile_id", flat=True))
        profiles = list(Profile.objects.filter(pk__in=ids, **({"pk": profile_id} if profile_id else {})))
    totals = {"profiles": 0, "publications": 0, "days": 0, "errors": 0}
    for profile in profiles:
        with profile_scope(profile):
            try:
                with postiz.client_for(profile) as client:
                    counts = analytics.analytics_refresh(client=client)
            except postiz.PostizNotConfigured:
                continue
            except Exception:  # one profile's Postiz (or data) must not stop the run for the others
                logger.exception("analytics fetch failed for profile %s", profile.pk)
                totals["errors"] += 1
                continue
        totals["profiles"] += 1
        for key in ("publications", "days", "errors"):
            totals[key] += counts[key]
    return ", ".join(f"{k} {v}" for k, v in totals.items())
