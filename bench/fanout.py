"""Fan-out benchmark (issue 19, point 3): a 4-variant one-click on a real django-q2 cluster with
two worker processes against the same run with one, every ffmpeg bounded to one thread
(EDITAI_FFMPEG_THREADS=1), so the comparison is about workers, not about threads.

    .venv/bin/python bench/fanout.py [--runs 3] [--variants 4] [--seconds 3]

The source is the first 12 s of the shared Big Buck Bunny sample, scaled to 640x360; each variant
is `--seconds` long, rendered to the instagram_reels preset (1080x1920, no voice, no captions, no
transcription). One untimed one-click first fills the analysis cache, so every timed run does the
same work: the plan, then the renders (by default, as a one-click does, a 540x960 preview of each
variant and then its final; `--no-previews`: the finals only). The configurations alternate (1 worker, 2 workers, ...),
each run on a fresh cluster; the time is the one-click's, from its send to its end (created_at to
finished_at). Prints each run, the medians, and the median ratio with its spread. Target: <= 0.6.
Uses its own database, editai_fanout_bench.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "media" / "big_buck_bunny_0_30.webm"
TARGET = 0.6
DB = "editai_fanout_bench"


def django_setup() -> None:
    """As bench/setup.py, on a database of its own (the other benchmarks share editai_bench)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editai.settings")
    os.environ["EDITAI_DB_NAME"] = DB
    os.environ.setdefault("EDITAI_MEDIA_ROOT", str(ROOT / ".var" / "bench-fanout" / "media"))
    os.environ.setdefault("EDITAI_TEMP_ROOT", str(ROOT / ".var" / "bench-fanout" / "tmp"))
    os.environ.setdefault("EDITAI_SECRET_KEY", "editai-bench-only-key-Qm4vT8xZr2Lp6Wn0Yc3Hs7Jd1Kf5Gb9A")
    os.environ.setdefault("EDITAI_FIELD_ENCRYPTION_KEYS", "oW5d0fXf3nq0H3bM3tYpM0C3VvUqkq0p1sQ8eHc5rJY=")
    os.environ["EDITAI_AUTO_TRANSCRIBE"] = "0"
    os.environ["EDITAI_FFMPEG_THREADS"] = "1"
    import django
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(host=db["HOST"], user=db["USER"], dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            conn.execute(f"CREATE DATABASE {DB}")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def cluster_start(workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EDITAI_WORKERS": str(workers), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "qcluster"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while "running." not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"qcluster did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    return proc


def cluster_stop(proc: subprocess.Popen[bytes]) -> None:
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # django-q2's SIGTERM handler can hang (#346); nothing runs now
        proc.wait(timeout=10)


def one_click(
    profile: Any, video: Any, *, variants: int, seconds: float, workers: int, log: Path
) -> tuple[float, float]:
    """The one-click's time, and the mean time of one of its render parts."""
    from django.db import transaction

    from editai.oneclick.services import one_click_start
    from library.models import Job, JobStatus
    from profiles.tenancy import profile_scope

    proc = cluster_start(workers, log)
    try:
        with profile_scope(profile), transaction.atomic():
            job = one_click_start(source_video=video, variant_count=variants, preset="instagram_reels",
                                  target_duration=seconds, layout="pad")  # fmt: skip
        while True:
            row = Job.all_objects.get(pk=job.pk)
            if row.is_finished:
                break
            time.sleep(0.1)
    finally:
        cluster_stop(proc)
    if row.status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"one-click {row.pk} {row.status}: {row.error}")
    assert row.finished_at is not None
    parts = list(Job.all_objects.filter(parent_id=row.pk, kind="render").values_list("started_at", "finished_at"))
    assert len(parts) == variants, f"{len(parts)} final renders for {variants} variants"
    part = statistics.mean((end - start).total_seconds() for start, end in parts)
    return (row.finished_at - row.created_at).total_seconds(), part


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variants", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--no-previews", action="store_true", help="EDITAI_ONE_CLICK_PREVIEWS=0: finals only")
    args = parser.parse_args()
    os.environ["EDITAI_ONE_CLICK_PREVIEWS"] = "0" if args.no_previews else "1"
    django_setup()

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from library.services.videos import source_video_create
    from profiles.models import Profile
    from profiles.services import profile_create
    from profiles.tenancy import profile_scope

    user, _ = get_user_model().objects.get_or_create(username="bench-fanout")
    profile = Profile.objects.filter(user=user).first() or profile_create(user=user, name="Fan-out bench store")
    work = Path(tempfile.mkdtemp(prefix="editai-fanout-"))
    source = work / "source.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-t", "12", "-i", str(SOURCE),
                    "-vf", "scale=640:360", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", str(source)],
                   check=True)  # fmt: skip
    with profile_scope(profile):
        video = source_video_create(upload=SimpleUploadedFile("bbb-12s.mp4", source.read_bytes()))

    def timed(workers: int, n: int) -> tuple[float, float]:
        return one_click(profile, video, variants=args.variants, seconds=args.seconds, workers=workers,
                         log=work / f"qcluster-{workers}w-{n}.log")  # fmt: skip

    print(f"warm-up (analysis cache) ... {timed(1, 0)[0]:.1f} s", flush=True)
    one: list[float] = []
    two: list[float] = []
    for n in range(1, args.runs + 1):
        (a, part_a), (b, part_b) = timed(1, n), timed(2, n)
        one.append(a)
        two.append(b)
        # A part's time shows how much CPU the machine gave it: with two at once on a busy
        # machine, each takes longer than alone.
        print(f"run {n}: 1 worker {a:.1f} s (final part {part_a:.1f} s), 2 workers {b:.1f} s (final part {part_b:.1f} s), "
              f"ratio {b / a:.2f}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
              flush=True)  # fmt: skip
    ratios = [b / a for a, b in zip(one, two, strict=True)]
    median = statistics.median(ratios)
    made = "finals only" if args.no_previews else "a preview, then a final, of each"
    print(f"\n{args.variants}-variant one-click ({made}), {args.seconds:g} s variants, EDITAI_FFMPEG_THREADS=1")
    print(f"1 worker : median {statistics.median(one):.1f} s  (min {min(one):.1f}, max {max(one):.1f})")
    print(f"2 workers: median {statistics.median(two):.1f} s  (min {min(two):.1f}, max {max(two):.1f})")
    print(f"ratio 2w/1w: median {median:.2f}  (min {min(ratios):.2f}, max {max(ratios):.2f}); target <= {TARGET}")
    print("PASS" if median <= TARGET else "OVER TARGET")


if __name__ == "__main__":
    main()
