"""Trim modes on Big Buck Bunny (30 s, 1280x720 VP8/Vorbis): fast (stream copy from a keyframe)
against precise (frame-exact re-encode) and preview (240p quick re-encode).

    .venv/bin/python bench/trim.py [--repeats 3]

Each trim runs as a real `tool-trim` job through the runner (in-process, like the q2 task),
so the times are what a user waits for minus the queue: probe, ffmpeg, storing the output.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time
from pathlib import Path

from setup import ROOT, django_setup, table

RANGES = [(0.0, 10.0), (12.0, 22.0), (5.0, 25.0)]
MODES = ["fast", "precise", "preview"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    django_setup()

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from library.models import Job, JobStatus, SourceVideo
    from library.services.videos import source_video_create
    from library.tasks import run_job
    from profiles.models import Profile
    from profiles.services import profile_create
    from profiles.tenancy import profile_scope

    media = Path(os.environ.get("EDITAI_SAMPLE_MEDIA") or ROOT.parent / "shared" / "media")
    user, _ = get_user_model().objects.get_or_create(username="bench")
    profile = Profile.objects.filter(user=user).first() or profile_create(user=user, name="Bench store")
    bunny = media / "big_buck_bunny_0_30.webm"
    with profile_scope(profile):  # uploaded once, reused by later runs
        sha256 = hashlib.sha256(bunny.read_bytes()).hexdigest()
        video = SourceVideo.objects.filter(sha256=sha256).first() or source_video_create(
            upload=SimpleUploadedFile(bunny.name, bunny.read_bytes())
        )

    def trim(start: float, end: float, mode: str) -> tuple[float, dict]:
        with profile_scope(profile):
            job = Job.objects.create(
                kind="tool-trim", source_video=video, params={"start": start, "end": end, "mode": mode}
            )
        began = time.perf_counter()
        run_job(str(job.pk), profile_id=str(profile.pk))  # from outside any scope, like q2
        elapsed = time.perf_counter() - began
        job = Job.all_objects.get(pk=job.pk)
        if job.status != JobStatus.SUCCEEDED:
            raise SystemExit(f"{mode} trim failed: {job.error}")
        return elapsed, job.result

    rows, ratios = [], []
    for start, end in RANGES:
        medians, starts = {}, ""
        for mode in MODES:
            runs = [trim(start, end, mode) for _ in range(args.repeats)]
            medians[mode] = statistics.median(t for t, _ in runs)
            if mode == "fast":
                starts = f"{runs[0][1]['actual_start']:.3f}"
        ratio = medians["fast"] / medians["precise"]
        ratios.append(ratio)
        rows.append([
            f"{start:g}-{end:g} s", starts, f"{medians['fast']:.3f}", f"{medians['precise']:.3f}",
            f"{medians['preview']:.3f}", f"{ratio:.3f}",
        ])  # fmt: skip
    print(f"tool-trim jobs on {bunny.name}, median of {args.repeats} run(s) each, seconds")
    print(table(["range", "fast starts at", "fast", "precise", "preview", "fast / precise"], rows))
    verdict = "under" if max(ratios) < 0.1 else "NOT under"
    print(f"fast trims take at most {max(ratios):.1%} of the precise trim's time ({verdict} 1/10)")


if __name__ == "__main__":
    main()
