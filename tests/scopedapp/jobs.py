"""Job kinds that exist only in the test settings, to drive the runner through its paths with
real ffmpeg processes: a slow one (reads its input in real time), and one that crashes."""

from __future__ import annotations

from typing import Any

import ffmpeg

from library.jobs.registry import job_kind
from library.jobs.runner import JobContext


@job_kind("test-slow")
def slow(ctx: JobContext) -> dict[str, Any]:
    seconds = float(ctx.job.params.get("seconds", 5))
    out = ctx.workspace / "slow.mp4"
    stream = ffmpeg.input("testsrc=size=160x120:rate=10", f="lavfi", re=None, t=seconds).output(
        str(out), vcodec="libx264", pix_fmt="yuv420p", preset="ultrafast", metadata=f"comment={ctx.job.pk}"
    )
    ctx.ffmpeg(stream, duration=seconds, timeout=ctx.job.params.get("timeout"))
    ctx.set_output(out, "slow.mp4")
    return {"seconds": seconds}


@job_kind("test-crash")
def crash(ctx: JobContext) -> dict[str, Any]:
    (ctx.workspace / "half-written.tmp").write_bytes(b"x" * 1000)
    raise RuntimeError("boom")
