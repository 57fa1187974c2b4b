"""Projects, their segments, and starting generation jobs."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction
from django.db.models import Max

from library.models import Job, Project, ProjectSegment, ProjectStatus, Segment, SourceVideo
from library.services import analysis as analysis_services
from library.services.jobs import job_create
from profiles.common import model_update
from profiles.errors import Conflict

PROJECT_FIELDS = ("name", "description", "target_duration", "context_text", "status")


class ProjectBusy(Conflict):
    code = "project_busy"
    default_detail = "The project is already generating; wait for its job or cancel it."


@transaction.atomic
def project_create(
    *, name: str, description: str = "", target_duration: float = 15.0, context_text: str = ""
) -> Project:
    project = Project(name=name, description=description, target_duration=target_duration, context_text=context_text)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_update(*, project: Project, data: dict[str, Any]) -> Project:
    return model_update(instance=project, fields=PROJECT_FIELDS, data=data)


@transaction.atomic
def project_assign_segments(*, project: Project, segments: list[Segment], append: bool = False) -> list[ProjectSegment]:
    """Set (or extend) the project's ordered segments. Segments are the profile's own: the
    caller resolved them through the scoped manager."""
    if len({s.pk for s in segments}) != len(segments):
        from django.core.exceptions import ValidationError

        raise ValidationError({"segments": "A segment may appear only once."})
    start = 0
    if append:
        start = (ProjectSegment.objects.filter(project=project).aggregate(m=Max("position"))["m"] or -1) + 1
        existing = set(ProjectSegment.objects.filter(project=project).values_list("segment_id", flat=True))
        segments = [s for s in segments if s.pk not in existing]
    else:
        ProjectSegment.objects.filter(project=project).delete()
    rows = [ProjectSegment(project=project, segment=s, position=start + i) for i, s in enumerate(segments)]
    for row in rows:
        row.full_clean(validate_unique=False, validate_constraints=False)
    return ProjectSegment.objects.bulk_create(rows)


def _mark_generating(project: Project) -> None:
    updated = (
        Project.objects.filter(pk=project.pk)
        .exclude(status=ProjectStatus.GENERATING)
        .update(status=ProjectStatus.GENERATING, status_reason="")
    )
    if not updated:
        raise ProjectBusy


@transaction.atomic
def project_generate(
    *,
    project: Project,
    source_video: SourceVideo,
    variant_count: int,
    target_duration: float | None = None,
    layout: str = "pad",
    provider: str | None = None,
    tighten: bool = False,
) -> Job:
    """Analyse the video (or reuse a cached analysis), cut `variant_count` variants and render
    each to 9:16: one job. A paid analysis reserves its estimate first (402 when over budget).
    Cuts follow the source's transcript when it has one; `tighten` takes pauses and fillers out."""
    analyzer = analysis_services.provider_for_request(provider)
    _mark_generating(project)
    Project.objects.filter(pk=project.pk).update(source_video=source_video)
    job = job_create(
        kind="generate",
        project=project,
        source_video=source_video,
        params={
            "variant_count": variant_count,
            "target_duration": target_duration or project.target_duration,
            "layout": layout,
            "provider": analyzer.name,
            "context_text": project.context_text,
            "tighten": tighten,
        },
    )
    analysis_services.analysis_reserve_budget(
        job_id=job.pk, video=source_video, provider=analyzer, context_text=project.context_text
    )
    return job


@transaction.atomic
def project_generate_from_segments(
    *,
    project: Project,
    variant_count: int,
    selection_mode: str,
    target_duration: float | None = None,
    layout: str = "pad",
    seed: int | None = None,
) -> Job:
    if not ProjectSegment.objects.filter(project=project).exists():
        from django.core.exceptions import ValidationError

        raise ValidationError({"segments": "Assign segments to the project first (assign-segments/)."})
    _mark_generating(project)
    return job_create(
        kind="generate-from-segments",
        project=project,
        params={
            "variant_count": variant_count,
            "selection_mode": selection_mode,
            "target_duration": target_duration or project.target_duration,
            "layout": layout,
            "seed": seed if seed is not None else random.SystemRandom().randrange(1, 2**31),
        },
    )


@transaction.atomic
def source_video_analyze(*, video: SourceVideo, provider: str | None = None, context_text: str = "") -> Job:
    analyzer = analysis_services.provider_for_request(provider)
    job = job_create(
        kind="analyze", source_video=video, params={"provider": analyzer.name, "context_text": context_text}
    )
    analysis_services.analysis_reserve_budget(job_id=job.pk, video=video, provider=analyzer, context_text=context_text)
    return job
