from library.models.jobs import Job, JobStatus
from library.models.presets import ExportPreset
from library.models.projects import (
    Clip,
    ClipStatus,
    OriginalAudio,
    Project,
    ProjectSegment,
    ProjectStatus,
    Segment,
    SegmentOrigin,
    VideoAnalysis,
)
from library.models.videos import SourceVideo

__all__ = [
    "Clip",
    "ClipStatus",
    "ExportPreset",
    "Job",
    "JobStatus",
    "OriginalAudio",
    "Project",
    "ProjectSegment",
    "ProjectStatus",
    "Segment",
    "SegmentOrigin",
    "SourceVideo",
    "VideoAnalysis",
]
