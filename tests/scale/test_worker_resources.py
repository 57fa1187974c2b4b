"""What one worker machine may use and how it identifies itself: ffmpeg thread pools bounded by
EDITAI_FFMPEG_THREADS, EDITAI_WORKER_NAME on each job, and queued jobs whose task a broker lost
(Redis, when a worker dies holding fetched tasks) sent again."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from library.media import ffmpeg as ff
from library.media.graphs.pieces import Piece
from library.media.render import RenderSpec, render_graph
from library.models import Job, JobStatus
from library.services.jobs import jobs_requeue_stale
from tests.jobs import make_job, reload, run
from tests.media import BBB, CHAPLIN

pytestmark = pytest.mark.django_db(transaction=True)  # jobs run with their monitor thread (own connection)


def _render(sample_media: Path, tmp_path: Path) -> Any:
    """A real two-input render with a thumbnail: two outputs, decoders, filters, x264, mjpeg."""
    spec = RenderSpec(
        pieces=[Piece(sample_media / CHAPLIN, 1.0, 3.0), Piece(sample_media / BBB, 2.0, 4.0, has_audio=True)],
        output=tmp_path / "out.mp4", thumbnail=tmp_path / "out.jpg",
    )  # fmt: skip
    return render_graph(spec)


def _ffmpeg_children_threads() -> int:
    """Threads of this process's ffmpeg children (from /proc)."""
    count = 0
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            if stat.split(") ")[1].split()[1] == str(os.getpid()) and "(ffmpeg)" in stat:
                status = (entry / "status").read_text()
                count += int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])
        except (OSError, IndexError, StopIteration):
            continue
    return count


def test_the_thread_bound_reaches_every_input_output_and_filter_graph(sample_media: Path, tmp_path: Path) -> None:
    graph = _render(sample_media, tmp_path)
    args = ff.bound_threads(ff.compile_args(graph), 3, [str(tmp_path / "out.mp4"), str(tmp_path / "out.jpg")])
    assert args[:4] == ["-filter_threads", "3", "-filter_complex_threads", "3"]
    for name in ("-i", str(tmp_path / "out.mp4"), str(tmp_path / "out.jpg")):
        for at in [n for n, arg in enumerate(args) if arg == name]:
            assert args[at - 2 : at] == ["-threads", "3"], name
    assert args.count("-threads") == 4  # two inputs, two outputs
    # A hand-written argument list: its last argument is the output.
    listed = ff.bound_threads(["-i", "in.mp4", "-c:v", "libx264", "-y", "out.mp4"], 2)
    assert listed == ["-filter_threads", "2", "-filter_complex_threads", "2", "-threads", "2", "-i", "in.mp4",
                      "-c:v", "libx264", "-y", "-threads", "2", "out.mp4"]  # fmt: skip


def test_one_thread_per_render_really_bounds_the_ffmpeg_process(
    sample_media: Path, tmp_path: Path, settings: Any
) -> None:
    settings.FFMPEG_THREADS = 1
    peak = [0]

    def sample() -> bool:
        peak[0] = max(peak[0], _ffmpeg_children_threads())
        return False

    ff.run(_render(sample_media, tmp_path), timeout=300, should_cancel=sample)
    assert (tmp_path / "out.mp4").stat().st_size > 0 and (tmp_path / "out.jpg").stat().st_size > 0
    # The main thread and one demuxer thread per input: no codec or filter pool of its own
    # (unbounded, the same render starts some thirty threads on two cores).
    assert 1 <= peak[0] <= 3


def _job(profile: Any, **fields: Any) -> Job:
    return make_job(profile, "test-slow", params={"seconds": 0.2}, **fields)


def test_a_job_records_the_worker_name_or_host_and_pid(cast: Any, settings: Any) -> None:
    settings.WORKER_NAME = "render-box-7"
    named = _job(cast.store_a)
    assert run(named) == "succeeded"
    settings.WORKER_NAME = ""
    anonymous = _job(cast.store_a)
    run(anonymous)
    workers = dict(Job.all_objects.filter(pk__in=[named.pk, anonymous.pk]).values_list("pk", "worker"))
    assert workers == {named.pk: "render-box-7", anonymous.pk: f"{socket.gethostname()}:{os.getpid()}"}


def test_a_queued_job_whose_task_was_lost_is_sent_again_once(cast: Any) -> None:
    lost = _job(cast.store_a)
    fresh = _job(cast.bob_store)
    cancelled = _job(cast.store_a, cancel_requested=True)
    long_ago = timezone.now() - timedelta(minutes=20)
    Job.all_objects.filter(pk__in=[lost.pk, cancelled.pk]).update(updated_at=long_ago)
    before = OrmQ.objects.count()

    report = jobs_requeue_stale(resend_after=600)
    assert report.resent == [str(lost.pk)] and report.requeued == []
    assert OrmQ.objects.count() == before + 1
    assert reload(lost).updated_at > long_ago  # the send is the new reference
    assert jobs_requeue_stale(resend_after=600).resent == []  # not again until another window passes

    # Both deliveries arrive: the job runs once, the second finds it taken.
    assert run(lost) == "succeeded"
    assert run(lost) == "skipped: not queued"
    assert reload(lost).attempts == 1
    assert reload(fresh).status == JobStatus.QUEUED


def test_resending_is_off_with_the_orm_broker_which_redelivers_by_itself(cast: Any, settings: Any) -> None:
    assert settings.JOB_RESEND_QUEUED_AFTER_SECONDS == 0  # the test settings use the ORM broker
    lost = _job(cast.store_a)
    Job.all_objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(days=1))
    assert jobs_requeue_stale().resent == []
