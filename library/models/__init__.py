from library.models.brand import BrandKit, LogoPosition
from library.models.jobs import Job, JobOrigin, JobStatus
from library.models.music import MusicTrack
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
from library.models.tracking import SubjectTrack
from library.models.transcripts import Transcript
from library.models.videos import SourceVideo
from library.models.voiceovers import Voiceover
from library.models.voices import ClonedVoice

__all__ = [
    "BrandKit",
    "Clip",
    "ClipStatus",
    "ClonedVoice",
    "ExportPreset",
    "Job",
    "JobOrigin",
    "JobStatus",
    "LogoPosition",
    "MusicTrack",
    "OriginalAudio",
    "Project",
    "ProjectSegment",
    "ProjectStatus",
    "Segment",
    "SegmentOrigin",
    "SourceVideo",
    "SubjectTrack",
    "Transcript",
    "VideoAnalysis",
    "Voiceover",
]
