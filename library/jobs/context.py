"""What a job handler, and a service running inside a job, may use: the `JobContext` Protocol.
The runner's concrete context (library.jobs.runner) satisfies it; services type their `ctx`
with this Protocol, so they depend on the engine's public API and never on the runner."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from django.db.models import Model

from library.jobs.registry import JobError
from library.media import ffmpeg as ff
from library.models import Job

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

M = TypeVar("M", bound=Model)


class JobContext(Protocol):
    """A running job: its row, a private workspace, progress, ffmpeg, cancel and its output."""

    job: Job
    workspace: Path

    def check_cancelled(self) -> None:
        """Raise ffmpeg.Cancelled if the job was cancelled (or changed hands)."""

    def is_cancelled(self) -> bool:
        """Whether a cancel was asked; for loops that poll (a provider's retry wait)."""

    def progress(self, fraction: float, *, force: bool = False) -> None:
        """Report progress within the current step (0..1)."""

    def step(self, start: float, end: float) -> JobContext:
        """Map the following progress reports onto [start, end] of the whole job."""

    def ffmpeg(self, stream: Stream, *, duration: float | None, timeout: float | None = None) -> ff.RunResult:
        """Run an ffmpeg graph, reporting progress, killed on cancel or timeout."""

    def input_path(self, stored_name: str | None) -> Path:
        """A local path for a stored file (downloaded into the workspace on remote storage)."""

    def set_output(self, path: Path, name: str) -> None:
        """The file the job offers for download (stored by the runner on success)."""


def job_row(ctx: JobContext, model: type[M], field: str, *, missing: str) -> M:
    """The row the job's `field` (a link of the Job: `source_video_id`, `project_id`, `clip_id`)
    points to, in the job's profile scope; JobError(`missing`) when it was deleted meanwhile."""
    pk = getattr(ctx.job, field)
    row = model._default_manager.filter(pk=pk).first() if pk else None
    if row is None:
        raise JobError(missing)
    return row
