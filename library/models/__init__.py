from library.models.jobs import Job, JobStatus
from library.models.videos import SourceVideo

__all__ = ["Job", "JobStatus", "SourceVideo"]
