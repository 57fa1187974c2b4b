"""Job kinds that exist only in the test settings, to drive the runner through its paths with
real ffmpeg processes: a slow one (reads its input in real time), one that crashes, and one
that runs until its test opens its gate."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

import ffmpeg

from library.jobs.context import JobContext
from library.jobs.fanout import failures
from library.jobs.registry import Part, job_fan_out, job_kind
from library.models import Job, JobStatus


@job_kind("test-slow")
def slow(ctx: JobContext) -> dict[str, Any]:
    seconds = float(ctx.job.params.get("seconds", 5))
    out = ctx.workspace / "slow.mp4"
    stream = ffmpeg.input("testsrc=size=160x120:rate=10", f="lavfi", re=None, t=seconds).output(
        str(out), vcodec="libx264", pix_fmt="yuv420p", preset="ultrafast", metadata=f"comment={ctx.job.pk}"
    )
    ctx.ffmpeg(stream, duration=seconds, timeout=ctx.job.params.get("timeout"))
    ctx.set_output(out, "slow.mp4")
    return {"seconds": seconds, **({"label": ctx.job.params["label"]} if "label" in ctx.job.params else {})}


@job_kind("test-crash")
def crash(ctx: JobContext) -> dict[str, Any]:
    (ctx.workspace / "half-written.tmp").write_bytes(b"x" * 1000)
    raise RuntimeError("boom")


# Gates of test-gate jobs, by job id: an in-process test opens them to let a job finish.
GATES: defaultdict[str, threading.Event] = defaultdict(threading.Event)


@job_kind("test-gate")
def gate(ctx: JobContext) -> dict[str, Any]:
    """Runs until the test opens its gate (GATES[job id].set()): a job that holds its worker for
    exactly as long as a test wants, whatever the machine's speed."""
    opened = GATES[str(ctx.job.pk)]
    while not opened.wait(0.02):
        ctx.check_cancelled()
    return {"gate": "opened"}


@job_kind("test-crash-with-paths")
def crash_with_paths(ctx: JobContext) -> dict[str, Any]:
    """Fails the way a lost file does: the exception names absolute paths of this machine."""
    from django.conf import settings

    missing = settings.MEDIA_ROOT / str(ctx.job.profile_id) / "sources" / "gone.mp4"
    raise FileNotFoundError(
        f"[Errno 2] No such file or directory: '{missing}' (copying to '{ctx.workspace / 'input-gone.mp4'}', "
        f"tool /usr/local/bin/helper)"
    )


# The joins of test-fanout jobs, by parent id: a parent must be joined exactly once.
JOINS: defaultdict[str, int] = defaultdict(int)


def _fanout_join(ctx: JobContext, state: dict[str, Any], children: list[Job]) -> dict[str, Any]:
    JOINS[str(ctx.job.pk)] += 1
    done = [c.result for c in children if c.status == JobStatus.SUCCEEDED]
    return {"state": state, "results": done, "failed": failures(children)}


@job_kind("test-fanout", join=_fanout_join)
def fanout_parent(ctx: JobContext) -> dict[str, Any]:
    """A parent of one part per entry of `parts` ({kind, ...params}), labelled by position; its
    own work (before the parts) fills the first 20 %."""
    ctx.progress(0.2, force=True)
    parts = [
        Part(str(p.get("kind", "test-slow")), {**{k: v for k, v in p.items() if k != "kind"}, "label": n})
        for n, p in enumerate(ctx.job.params["parts"])
    ]
    job_fan_out(parts, state={"parts": len(parts)}, progress_to=0.9)
