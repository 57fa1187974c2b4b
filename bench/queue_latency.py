"""Median time from enqueue to running on a real django-q2 cluster (ORM broker, PostgreSQL).

    .venv/bin/python bench/queue_latency.py [--jobs 20]

Starts `manage.py qcluster`, sends N small preview jobs one after another, and measures for
each the time between handing it to the queue and the worker's claim (Job.started_at).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from setup import ROOT, django_setup, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    django_setup()

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from library.jobs.queue import job_send
    from library.models import Job, JobStatus
    from library.services.videos import source_video_create
    from profiles.models import Profile
    from profiles.services import profile_create
    from profiles.tenancy import profile_scope

    user, _ = get_user_model().objects.get_or_create(username="bench")
    profile = Profile.objects.filter(user=user).first() or profile_create(user=user, name="Bench store")
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "tiny.mp4"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1",
                        "-pix_fmt", "yuv420p", str(clip)], check=True)  # fmt: skip
        with profile_scope(profile):
            video = source_video_create(upload=SimpleUploadedFile("tiny.mp4", clip.read_bytes()))

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = open(Path(tempfile.gettempdir()) / "editai-bench-qcluster.log", "wb")  # noqa: SIM115
    cluster = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "qcluster"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    latencies = []
    try:
        time.sleep(3)  # let the cluster come up before the first measurement
        for _ in range(args.jobs):
            with profile_scope(profile):
                job = Job.objects.create(kind="preview", source_video=video, params={"height": 60})
            sent = timezone.now()
            job_send(job_id=str(job.pk), profile_id=str(profile.pk), kind=job.kind)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                row = Job.all_objects.values("status", "started_at").get(pk=job.pk)
                if row["status"] in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                    break
                time.sleep(0.02)
            latencies.append((row["started_at"] - sent).total_seconds() * 1000)
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
    from django.conf import settings

    latencies.sort()
    print(f"enqueue -> running, {len(latencies)} jobs, ORM broker, poll={settings.Q_CLUSTER['poll']} s")
    print(table(["median ms", "p90 ms", "min ms", "max ms"], [[
        f"{statistics.median(latencies):.0f}", f"{latencies[int(len(latencies) * 0.9) - 1]:.0f}",
        f"{latencies[0]:.0f}", f"{latencies[-1]:.0f}",
    ]]))  # fmt: skip


if __name__ == "__main__":
    main()
