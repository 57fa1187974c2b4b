"""Variant generation benchmark (issue 6): 3 x 10 s variants from Big Buck Bunny.

    .venv/bin/python bench/generate.py [--runs 3]

1. the product: the `generate` job, in-process (local analysis of the whole video, cut lists,
   three 1080x1920 renders with their thumbnails), from a fresh analysis each run;
2. the same cuts done by hand: one hand-written ffmpeg command per variant (input seeking, the
   same blurred-pad layout, libx264 veryfast crf 23, AAC), no analysis, no thumbnail.
Prints the median wall time of each and the ratio (target: product <= 1.2 x hand-written).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from setup import ROOT, django_setup, table

SOURCE = ROOT.parent / "shared" / "media" / "big_buck_bunny_0_30.webm"
TARGET = 1.2


def handwritten(src: Path, cuts: list[dict], out: Path) -> list[str]:
    """What an ffmpeg expert would type for one variant."""
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
    for cut in cuts:
        args += ["-ss", f"{cut['start']:.3f}", "-t", f"{cut['end'] - cut['start']:.3f}", "-i", str(src)]
    chains, joined = [], ""
    for i in range(len(cuts)):
        chains.append(
            f"[{i}:v]fps=30,split[f{i}][b{i}];"
            f"[b{i}]scale=270:480:force_original_aspect_ratio=increase,crop=270:480,boxblur=10:2,scale=1080:1920[bg{i}];"
            f"[f{i}]scale=1080:1920:force_original_aspect_ratio=decrease[fg{i}];"
            f"[bg{i}][fg{i}]overlay=(W-w)/2:(H-h)/2,setsar=1,setpts=PTS-STARTPTS[v{i}];"
            f"[{i}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,asetpts=PTS-STARTPTS[a{i}]"
        )
        joined += f"[v{i}][a{i}]"
    graph = ";".join(chains) + f";{joined}concat=n={len(cuts)}:v=1:a=1[v][a];[v]format=yuv420p[vout]"
    return [*args, "-filter_complex", graph, "-map", "[vout]", "-map", "[a]", "-c:v", "libx264", "-preset", "veryfast",
            "-crf", "23", "-profile:v", "high", "-r", "30", "-c:a", "aac", "-b:a", "128k", "-ar", "48000",
            "-movflags", "+faststart", str(out)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    django_setup()

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from library.models import Clip, Job, JobStatus, Project, VideoAnalysis
    from library.services.videos import source_video_create
    from library.tasks import run_job
    from profiles.models import Profile
    from profiles.services import profile_create
    from profiles.tenancy import profile_scope

    user, _ = get_user_model().objects.get_or_create(username="bench")
    profile = Profile.objects.filter(user=user).first() or profile_create(user=user, name="Bench store")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / SOURCE.name
        shutil.copy(SOURCE, src)
        with profile_scope(profile):
            video = source_video_create(upload=SimpleUploadedFile(src.name, src.read_bytes()))

        product, manual, last_cuts = [], [], []
        for run in range(args.runs):
            with profile_scope(profile):
                VideoAnalysis.objects.filter(source_video=video).delete()  # analyse afresh each run
                project = Project.objects.create(name=f"bench {time.time_ns()}", target_duration=10)
                job = Job.objects.create(
                    kind="generate", project=project, source_video=video,
                    params={"variant_count": 3, "target_duration": 10, "layout": "pad", "provider": "local"},
                )  # fmt: skip
            started = time.perf_counter()
            run_job(str(job.pk), profile_id=str(profile.pk))
            product.append(time.perf_counter() - started)
            job.refresh_from_db()
            if job.status != JobStatus.SUCCEEDED:
                raise SystemExit(f"generate failed: {job.error}")
            last_cuts = [c.cut_list for c in Clip.all_objects.filter(project=project).order_by("variant_index")]
            started = time.perf_counter()
            for n, cuts in enumerate(last_cuts):
                subprocess.run(handwritten(src, cuts, Path(tmp) / f"hand-{run}-{n}.mp4"), check=True)
            manual.append(time.perf_counter() - started)
            print(f"run {run + 1}: product {product[-1]:.2f} s, hand-written {manual[-1]:.2f} s", flush=True)

    p, m = statistics.median(product), statistics.median(manual)
    print(f"\n3 x 10 s variants from {SOURCE.name}, median of {args.runs} run(s), 2 cores")
    print(table(["pipeline", "median s", "what it includes"], [
        ["product: generate job", f"{p:.2f}", "local analysis + 3 renders + thumbnails + rows"],
        ["hand-written ffmpeg", f"{m:.2f}", "the same 3 cut lists, one command each"],
    ]))  # fmt: skip
    print(
        f"\nratio product / hand-written: {p / m:.2f}x (target <= {TARGET}x: {'met' if p / m <= TARGET else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
