"""Reads of the library (videos, segments, projects, clips, jobs) for views, commands and the
dashboard. Everything runs through the scoped managers: the current profile's rows only.
Viewsets keep their tenancy (ProfileScopedViewSet.get_queryset); selectors only narrow what
they are given."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from library.models import (
    Clip,
    ClipStatus,
    Job,
    JobStatus,
    Project,
    ProjectSegment,
    Segment,
    SourceVideo,
    Transcript,
)


def project_list(*, queryset: QuerySet[Project]) -> QuerySet[Project]:
    """Projects with their clip count and ordered segment assignments, in a fixed number of
    queries. GROUP BY drops the model's default ordering: repeat it, or pagination is unstable."""
    return (
        queryset.annotate(clip_count=Count("clips", distinct=True))
        .prefetch_related(Prefetch("assignments", queryset=ProjectSegment.objects.order_by("position")))
        .order_by("-created_at", "id")
    )


def project_progress_job(*, project: Project) -> Job | None:
    """The job a project's progress is about: the one running or waiting, else the newest."""
    jobs = Job.objects.filter(project=project).order_by("-created_at")
    return jobs.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first() or jobs.first()


def segment_keyword_rows(*, queryset: QuerySet[Segment]) -> list[tuple[uuid.UUID, list[str], uuid.UUID]]:
    """(segment id, keywords, source video id) of the segments that have keywords."""
    return list(queryset.exclude(keywords=[]).values_list("pk", "keywords", "source_video_id"))


def transcripts_usable(
    *, video_ids: Iterable[uuid.UUID | str], include_unreliable: bool = False
) -> dict[str, Transcript]:
    """The transcripts whose words cuts, captions and b-roll may use, by source video id (as
    text): with words, and reliable unless `include_unreliable` (a transcript of music or noise
    is marked unreliable and never used by default)."""
    queryset = Transcript.objects.filter(source_video_id__in=list(video_ids)).exclude(words=[])
    if not include_unreliable:
        queryset = queryset.filter(reliable=True)
    return {str(t.source_video_id): t for t in queryset}


def transcript_usable(*, video: SourceVideo, include_unreliable: bool = False) -> Transcript | None:
    """transcripts_usable for one video: its transcript, or None."""
    return transcripts_usable(video_ids=[video.pk], include_unreliable=include_unreliable).get(str(video.pk))


def transcript_of(*, video: SourceVideo) -> Transcript | None:
    """The video's transcript as it is (empty or unreliable ones too), or None before one exists."""
    return Transcript.objects.filter(source_video=video).first()


def clip_list(*, ids: Iterable[uuid.UUID | str]) -> list[Clip]:
    """The current profile's clips among `ids`, by variant."""
    return list(Clip.objects.filter(pk__in=list(ids)).order_by("variant_index"))


# -- the dashboard: rows created since `since` (None: all), the current profile's --------------

# The job kinds whose success is a final render (one-click renders every variant it cuts).
RENDER_KINDS = ("render", "bulk-render", "one-click")


def _since(queryset: QuerySet[Any], since: datetime | None) -> QuerySet[Any]:
    return queryset if since is None else queryset.filter(created_at__gte=since)


def dashboard_source_video_count(*, since: datetime | None) -> int:
    return _since(SourceVideo.objects.all(), since).count()


def dashboard_project_count(*, since: datetime | None) -> int:
    return _since(Project.objects.all(), since).count()


def dashboard_clip_counts(*, since: datetime | None) -> dict[str, int]:
    """Clips by status, every status present (0 when none)."""
    found = dict(_since(Clip.objects.all(), since).order_by().values_list("status").annotate(n=Count("pk")))
    return {status: found.get(status, 0) for status in ClipStatus.values}


def dashboard_render_count(*, since: datetime | None) -> int:
    """Final-render jobs that succeeded."""
    return _since(Job.objects.filter(kind__in=RENDER_KINDS, status=JobStatus.SUCCEEDED), since).count()
