"""Tracking benchmark (issue 17): what the subject tracker adds to a one-variant one-click.

    .venv/bin/python bench/track.py [--runs 3] [--no-track-layout]

Per run, on Big Buck Bunny (1280x720, 30 s) in the bench database:
1. a one-variant one-click, in-process: fresh local analysis, one 15 s cut list, one 1080x1920
   render with the tiktok preset, layout `pad` (no tracking) — the reference;
2. the tracking pass over that variant's pieces (library.services.tracking.crop_path_for, one
   decode per piece), from an empty cache;
3. the same pieces again (the second variant / a re-render: the cache), and a part of one piece
   (a variant cutting inside a tracked range);
4. unless --no-track-layout, the same one-click with layout `crop` (a centre crop: the same
   upscaled 9:16 window, no tracking) and with layout `track` from an empty cache: the whole
   job as a user runs it (tracking + the moving window in the one-pass render).
Prints medians with min-max, wall and CPU seconds (CPU is steadier on a shared machine), and the
tracking pass as a share of the reference (target: at most +25 %).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from render_runs import cpu_seconds
from setup import ROOT, django_setup, table

SOURCE = ROOT.parent / "shared" / "media" / "big_buck_bunny_0_30.webm"
TARGET = 0.25


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of this process and its children, fn's result)."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = fn()
    return time.perf_counter() - wall, cpu_seconds() - cpu, result


def spread(values: list[float], digits: int = 2) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-track-layout", action="store_true", help="skip the one-click with layout track")
    args = parser.parse_args()
    # The reference is the picture pipeline alone: no transcription of BBB's soundtrack first.
    os.environ.setdefault("EDITAI_AUTO_TRANSCRIBE", "false")
    django_setup()

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from editai.oneclick.services import one_click_start
    from library.models import Clip, JobStatus, SubjectTrack, VideoAnalysis
    from library.services.tracking import crop_path_for
    from library.services.videos import source_video_create
    from library.tasks import run_job
    from profiles.models import Profile
    from profiles.services import profile_create
    from profiles.tenancy import profile_scope

    user, _ = get_user_model().objects.get_or_create(username="bench")
    profile = Profile.objects.filter(user=user).first() or profile_create(user=user, name="Bench store")

    def one_click(layout: str) -> Clip:
        with profile_scope(profile):
            VideoAnalysis.objects.filter(source_video=video).delete()  # analyse afresh, as a new upload would
            job = one_click_start(source_video=video, variant_count=1, preset="tiktok", target_duration=15.0,
                                  layout=layout, provider="local")  # fmt: skip
        run_job(str(job.pk), profile_id=str(profile.pk))
        with profile_scope(profile):
            job.refresh_from_db()
            if job.status != JobStatus.SUCCEEDED:
                raise SystemExit(f"one-click ({layout}) failed: {job.error}")
            return Clip.objects.get(project_id=job.project_id)

    def track(cuts: list[dict[str, Any]], src: Path) -> list[Any]:
        with profile_scope(profile):
            return [crop_path_for(video=video, start=float(c["start"]), end=float(c["end"]), source=src) for c in cuts]

    rows: dict[str, list[float]] = {k: [] for k in ("pad_wall", "pad_cpu", "cold_wall", "cold_cpu", "warm_ms",
                                                   "part_ms", "track_wall", "track_cpu", "crop_wall", "crop_cpu",
                                                   "seconds")}  # fmt: skip
    layout_used: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / SOURCE.name
        shutil.copy(SOURCE, src)
        with profile_scope(profile):
            video = source_video_create(upload=SimpleUploadedFile(src.name, src.read_bytes()))
        for run in range(args.runs):
            wall, cpu, clip = timed(lambda: one_click("pad"))
            rows["pad_wall"].append(wall)
            rows["pad_cpu"].append(cpu)
            cuts = clip.cut_list
            rows["seconds"].append(sum(float(c["end"]) - float(c["start"]) for c in cuts))
            with profile_scope(profile):
                SubjectTrack.objects.filter(source_video=video).delete()
            wall, cpu, paths = timed(partial(track, cuts, src))
            rows["cold_wall"].append(wall)
            rows["cold_cpu"].append(cpu)
            wall, _, again = timed(partial(track, cuts, src))
            rows["warm_ms"].append(wall * 1000)
            first = cuts[0]
            middle = (float(first["start"]) + float(first["end"])) / 2
            part = [{"start": middle, "end": float(first["end"])}]
            wall, _, _ = timed(partial(track, part, src))
            rows["part_ms"].append(wall * 1000)
            subjects = ", ".join(f"{p.subject} {p.confidence:.2f}" for p in paths)
            line = (f"run {run + 1}: one-click pad {rows['pad_wall'][-1]:.2f} s ({rows['pad_cpu'][-1]:.1f} CPU s); "
                    f"tracking {rows['cold_wall'][-1]:.2f} s ({rows['cold_cpu'][-1]:.1f} CPU s) over "
                    f"{len(cuts)} piece(s), {rows['seconds'][-1]:.1f} s [{subjects}]; cached {rows['warm_ms'][-1]:.0f} ms")  # fmt: skip
            if not args.no_track_layout:
                wall, cpu, _ = timed(lambda: one_click("crop"))
                rows["crop_wall"].append(wall)
                rows["crop_cpu"].append(cpu)
                line += f"; one-click crop {wall:.2f} s ({cpu:.1f} CPU s)"
                with profile_scope(profile):
                    SubjectTrack.objects.filter(source_video=video).delete()
                wall, cpu, tracked = timed(lambda: one_click("track"))
                rows["track_wall"].append(wall)
                rows["track_cpu"].append(cpu)
                layout_used.append(str((tracked.render_info or {}).get("layout", {}).get("used", "?")))
                line += f"; one-click track {wall:.2f} s ({cpu:.1f} CPU s, used {layout_used[-1]})"
            for fresh, cached in zip(paths, again, strict=True):  # the cache keeps the path (to 0.1 %)
                assert max(abs(a - b) for a, b in zip(fresh.centres, cached.centres, strict=True)) < 1e-3
            print(line, flush=True)

    pad_w, pad_c = statistics.median(rows["pad_wall"]), statistics.median(rows["pad_cpu"])
    share_w = [c / p for c, p in zip(rows["cold_wall"], rows["pad_wall"], strict=True)]
    share_c = [c / p for c, p in zip(rows["cold_cpu"], rows["pad_cpu"], strict=True)]
    body = [
        ["one-click, 1 variant, layout pad (reference)", spread(rows["pad_wall"]), spread(rows["pad_cpu"], 1), "-"],
        ["tracking pass, empty cache", spread(rows["cold_wall"]), spread(rows["cold_cpu"], 1),
         f"+{statistics.median(share_w):.1%} wall, +{statistics.median(share_c):.1%} CPU"],
        ["tracking pass again (cache)", f"{spread(rows['warm_ms'], 0)} ms", "-", "free"],
        ["half of a tracked piece (cache, sliced)", f"{spread(rows['part_ms'], 0)} ms", "-", "free"],
    ]  # fmt: skip
    if rows["track_wall"]:
        crop_w, crop_c = statistics.median(rows["crop_wall"]), statistics.median(rows["crop_cpu"])
        body.append(
            [
                "one-click, 1 variant, layout crop (centre)",
                spread(rows["crop_wall"]),
                spread(rows["crop_cpu"], 1),
                f"{crop_w / pad_w - 1:+.1%} wall, {crop_c / pad_c - 1:+.1%} CPU",
            ]
        )
        body.append(["one-click, 1 variant, layout track", spread(rows["track_wall"]), spread(rows["track_cpu"], 1),
                     f"{statistics.median(rows['track_wall']) / pad_w - 1:+.1%} wall, "
                     f"{statistics.median(rows['track_cpu']) / pad_c - 1:+.1%} CPU (used: {', '.join(layout_used)})"])  # fmt: skip
    print(f"\n{SOURCE.name}, {statistics.median(rows['seconds']):.1f} s of pieces, median (min-max) of {args.runs} run(s), "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(table(["what", "wall s", "CPU s", "vs reference"], body))
    worst = max(statistics.median(share_w), statistics.median(share_c))
    print(f"\ntracking pass / one-click: +{statistics.median(share_w):.1%} wall (runs {min(share_w):.1%}-{max(share_w):.1%}), "
          f"+{statistics.median(share_c):.1%} CPU (runs {min(share_c):.1%}-{max(share_c):.1%}); "
          f"target <= +{TARGET:.0%}: {'met' if worst <= TARGET else 'NOT met'}")  # fmt: skip
    if rows["track_wall"]:
        print(f"one-click track / one-click crop (the same moving-window render, plus tracking): "
              f"{statistics.median(rows['track_wall']) / crop_w - 1:+.1%} wall, "
              f"{statistics.median(rows['track_cpu']) / crop_c - 1:+.1%} CPU")  # fmt: skip


if __name__ == "__main__":
    main()
