from library.models.jobs import Job, JobOrigin, JobStatus
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
from library.models.transcripts import Transcript
from library.models.videos import SourceVideo
from library.models.voices import ClonedVoice

__all__ = [
    "Clip",
    "ClipStatus",
    "ClonedVoice",
    "ExportPreset",
    "Job",
    "JobOrigin",
    "JobStatus",
    "OriginalAudio",
    "Project",
    "ProjectSegment",
    "ProjectStatus",
    "Segment",
    "SegmentOrigin",
    "SourceVideo",
    "Transcript",
    "VideoAnalysis",
]
