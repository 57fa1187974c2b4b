"""Render benchmark (issue 19): the product's final render against the shared yardstick.

    .venv/bin/python bench/render.py [--pairs 3] [--full] [--default-style] [--graph] [--keep DIR]

The clip is the yardstick's (../shared/bench: README.md, make_inputs.py, ref_ffmpeg.sh): three
cuts of Big Buck Bunny (0-8, 11-19, 21-29 s), the espeak voice `vo.wav`, the word timings of
`captions.json`, blurred-pad 9:16 1080x1920 at 30 fps, the original ducked under the voice, -14
LUFS, libx264 veryfast crf 23 yuv420p, AAC 128k, +faststart. The product renders it with its own
pipeline (bench/render_runs.py product_render: captions written, the audio-only loudness pass,
the one video pass of render_graph), the yardstick with `sh ref_ffmpeg.sh`, in turn, in pairs
(the order alternates), each in a fresh child process. Prints the median ratio of wall and CPU
time, the peak memory of each, and checks the product's output (1080x1920, 30 fps, 720 frames,
-14 LUFS +-0.5, captions drawn). `--full` adds, in every round, the full-featured clip (a panning
tracked crop, box captions, a logo, a music bed) against the plain product's own time.

The yardstick's inputs are made (untimed) in /tmp/benchref/inputs by its make_inputs.py, run with
this interpreter (numpy, pysubs2, pillow). MoviePy is no longer compared (issue 19: the shared
yardstick is the reference).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from render_runs import YARDSTICK, YARDSTICK_STYLE, Measured, child_main, measure, product_args
from setup import table

INPUTS = Path(os.environ.get("BENCHREF_INPUTS", "/tmp/benchref/inputs"))
MAKE_INPUTS = YARDSTICK.parent / "make_inputs.py"
WIDTH, HEIGHT, FPS, FRAMES, LOUDNESS = 1080, 1920, 30, 720, -14.0
TARGET = 1.10
LABELS = {"yardstick": "yardstick (ref_ffmpeg.sh)", "product": "product (final render)",
          "full": "product, full-featured"}  # fmt: skip


def inputs_make() -> None:
    """The yardstick's inputs, made once (make_inputs.py is not timed)."""
    if not (INPUTS / "params.sh").exists() or not (INPUTS / "captions.json").exists():
        print(f"making the yardstick's inputs in {INPUTS} ...", file=sys.stderr, flush=True)
        env = {**os.environ, "BENCHREF_INPUTS": str(INPUTS)}
        subprocess.run([sys.executable, str(MAKE_INPUTS)], check=True, env=env, stdout=subprocess.DEVNULL)


def extras_make(work: Path) -> dict[str, str]:
    """The full-featured clip's logo (a PNG with alpha) and music bed (a 30 s chord)."""
    from PIL import Image, ImageDraw

    logo = work / "logo.png"
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 230, 230), fill=(240, 90, 40, 230), outline=(255, 255, 255, 255), width=8)
    image.save(logo)
    music = work / "music.wav"
    chord = "0.2*sin(2*PI*220*t)+0.15*sin(2*PI*277*t)+0.12*sin(2*PI*330*t)"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc={chord}|{chord}:s=44100:d=30", str(music)], check=True)  # fmt: skip
    return {"logo": str(logo), "music": str(music)}


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-print_format", "json", "-show_streams",
                          "-show_format", str(path)], capture_output=True, check=True)  # fmt: skip
    info: dict[str, Any] = json.loads(out.stdout)
    return info


def loudness(path: Path) -> tuple[float, float]:
    """Integrated LUFS and true peak (dBTP) of the output's sound, by ebur128."""
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a",
                          "-af", "ebur128=peak=true", "-f", "null", "-"], capture_output=True, check=True)  # fmt: skip
    text = out.stderr.decode(errors="replace")
    lufs, peak = re.findall(r"I:\s+(-?[\d.]+) LUFS", text), re.findall(r"Peak:\s+(-?[\d.]+|-inf) dBFS", text)
    return float(lufs[-1]) if lufs else float("nan"), float(peak[-1]) if peak else float("nan")


def caption_pixels(path: Path, at: float) -> int:
    """Pixels brighter than the darkened, blurred background can be (luma > 200) in the band
    below the footage: the captions' white and yellow. The frame at `at` seconds."""
    from PIL import Image

    still = path.with_name(f"{path.stem}-{at:g}.png")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{at}", "-i", str(path),
                    "-frames:v", "1", str(still)], check=True)  # fmt: skip
    band = Image.open(still).convert("L").crop((0, 1290, WIDTH, HEIGHT))
    return sum(band.histogram()[201:])


def check_output(path: Path, *, length: float = 24.0, loud: bool = True, captions: bool = True) -> list[str]:
    """What is wrong with an output ([] when it has the yardstick's properties). `loud`: the
    loudness is checked (the yardstick's one-pass loudnorm lands near -14.6); `captions`: drawn
    below the footage of the pad layout (the full-featured clip fills the frame: looked at)."""
    info = probe(path)
    video = next((s for s in info["streams"] if s["codec_type"] == "video"), {})
    audio = next((s for s in info["streams"] if s["codec_type"] == "audio"), {})
    problems = []
    if (video.get("codec_name"), video.get("width"), video.get("height")) != ("h264", WIDTH, HEIGHT):
        problems.append(f"video {video.get('codec_name')} {video.get('width')}x{video.get('height')}")
    if video.get("avg_frame_rate") != f"{FPS}/1" or int(video.get("nb_read_frames", 0)) != round(length * FPS):
        problems.append(f"{video.get('nb_read_frames')} frames at {video.get('avg_frame_rate')}")
    if video.get("pix_fmt") != "yuv420p" or audio.get("codec_name") != "aac":
        problems.append(f"{video.get('pix_fmt')}, audio {audio.get('codec_name')}")
    lufs, _ = loudness(path)
    if loud and not abs(lufs - LOUDNESS) <= 0.5:
        problems.append(f"{lufs} LUFS")
    if captions:
        shown = [caption_pixels(path, at) for at in (2.0, 10.0, 18.0)]
        after = caption_pixels(path, 23.5)  # the captions end with the voice (21.7 s): the check's control
        if min(shown) < 1000 or after > min(shown) / 10:
            problems.append(f"captions? bright pixels {shown} while spoken, {after} after")
    return problems


def describe(path: Path) -> list[str]:
    info = probe(path)
    streams = {s["codec_type"]: s for s in info["streams"]}
    v, a = streams["video"], streams["audio"]
    lufs, peak = loudness(path)
    return [
        f"{path.stat().st_size / 1e6:.1f}", f"{float(info['format']['duration']):.2f}",
        f"{v['codec_name']} {v['width']}x{v['height']} {v['pix_fmt']} {v['avg_frame_rate']} {v['nb_read_frames']} fr",
        f"{a['codec_name']} {a['sample_rate']} Hz {a['channels']} ch", f"{lufs:.1f}", f"{peak:.1f}",
        f"{caption_pixels(path, 10.0)}",
    ]  # fmt: skip


def run_one(kind: str, work: Path, n: int) -> tuple[Measured, Path]:
    out, result, log = work / f"{kind}-{n}.mp4", work / f"{kind}-{n}.json", work / f"{kind}-{n}.log"
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--job", str(work / "job.json"),
            "--out", str(out), "--result", str(result)]  # fmt: skip
    # ffmpeg's default threading for both (the yardstick has no -threads either).
    env = {k: v for k, v in os.environ.items() if k != "EDITAI_FFMPEG_THREADS"}
    return measure(argv, result=result, log=log, timeout=900, env=env), out


def ratio_spread(results: dict[str, list[Measured]], kind: str, base: str, attr: str) -> tuple[float, float, float]:
    """The median of the pairwise ratios kind/base (round by round), and their min and max."""
    ratios = [getattr(a, attr) / getattr(b, attr) for a, b in zip(results[kind], results[base], strict=False)]
    return statistics.median(ratios), min(ratios), max(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="rounds of (yardstick, product), order alternating")
    parser.add_argument("--full", action="store_true", help="also the full-featured clip in every round")
    parser.add_argument("--default-style", action="store_true",
                        help="the product's default caption style instead of the yardstick's look")  # fmt: skip
    parser.add_argument("--graph", action="store_true", help="print the product's video-pass command and exit")
    parser.add_argument("--keep", type=Path, help="copy the last output of each here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.job, args.out, args.result)
        return
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    inputs_make()
    if args.graph:
        print("product, video pass:\n  ffmpeg " + " ".join(product_args({"inputs": str(INPUTS)}, Path("/tmp/p.mp4"))))
        print(f"\nyardstick: {YARDSTICK}")
        return
    with tempfile.TemporaryDirectory(prefix="editai-bench-render-") as tmp:
        work = Path(tmp)
        job = {"inputs": str(INPUTS), "style": {} if args.default_style else YARDSTICK_STYLE, **extras_make(work)}
        (work / "job.json").write_text(json.dumps(job))
        kinds = ["yardstick", "product", *(["full"] if args.full else [])]
        results: dict[str, list[Measured]] = {k: [] for k in kinds}
        checks: dict[str, list[str]] = {k: [] for k in kinds}
        last: dict[str, Path] = {}
        loads = [os.getloadavg()[0]]
        for n in range(args.pairs):
            order = kinds if n % 2 == 0 else [kinds[1], kinds[0], *kinds[2:]]
            for kind in order:
                print(f"[round {n + 1}/{args.pairs}] {LABELS[kind]} ...", file=sys.stderr, flush=True)
                measured, out = run_one(kind, work, n)
                results[kind].append(measured)
                checks[kind] += check_output(out, loud=kind != "yardstick", captions=kind != "full")
                if kind in last:
                    last[kind].unlink()
                last[kind] = out
                loads.append(os.getloadavg()[0])
        report(results, checks, last, loads=loads, pairs=args.pairs, default_style=args.default_style)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for kind, path in last.items():
                shutil.copyfile(path, args.keep / f"{kind}.mp4")


def report(results: dict[str, list[Measured]], checks: dict[str, list[str]], last: dict[str, Path], *,
           loads: list[float], pairs: int, default_style: bool) -> None:  # fmt: skip
    rows = []
    for kind, measured in results.items():
        times, cpus = [m.elapsed for m in measured], [m.cpu for m in measured]
        passes = ""
        if kind != "yardstick":
            audio = statistics.median(m.extra["audio_pass"] for m in measured)
            video = statistics.median(m.extra["video_pass"] for m in measured)
            passes = f"{audio:.2f} + {video:.2f}"
        rows.append([
            LABELS[kind], len(measured), f"{statistics.median(times):.2f}", f"{min(times):.2f}-{max(times):.2f}",
            passes, f"{statistics.median(cpus):.1f}", f"{min(cpus):.1f}-{max(cpus):.1f}",
            f"{max(m.tree_mb for m in measured):.0f}", f"{max(m.largest_mb for m in measured):.0f}",
            "ok" if not checks[kind] else "; ".join(sorted(set(checks[kind]))),
        ])  # fmt: skip
    print("\nRender benchmark: the shared yardstick's 24 s clip (3 cuts of BBB, vo.wav, captions.json's word timings),"
          f" 1080x1920 30 fps; {pairs} rounds, in turn")  # fmt: skip
    print(table(["render", "runs", "median s", "min-max s", "sound + video pass s", "median CPU s", "min-max CPU s",
                 "peak RSS tree MB", "largest process MB", "output check"], rows))  # fmt: skip
    print("\nOutputs (last run of each; loudness by ebur128; caption pixels: luma > 200 below the footage at 10 s):")
    print(table(["render", "MB", "s", "video", "audio", "LUFS", "true peak", "caption px"],
                [[LABELS[k], *describe(p)] for k, p in last.items()]))  # fmt: skip
    print()
    wall, wall_lo, wall_hi = ratio_spread(results, "product", "yardstick", "elapsed")
    cpu, cpu_lo, cpu_hi = ratio_spread(results, "product", "yardstick", "cpu")
    verdict = "met" if wall <= TARGET else "NOT met"
    print(f"product / yardstick: {wall:.2f}x wall (pairs {wall_lo:.2f}-{wall_hi:.2f}; target <= {TARGET}x: {verdict}),"
          f" {cpu:.2f}x CPU (pairs {cpu_lo:.2f}-{cpu_hi:.2f})")  # fmt: skip
    if "full" in results:
        wall, wall_lo, wall_hi = ratio_spread(results, "full", "product", "elapsed")
        cpu, *_ = ratio_spread(results, "full", "product", "cpu")
        print(f"full-featured / plain product: {wall:.2f}x wall (rounds {wall_lo:.2f}-{wall_hi:.2f}), {cpu:.2f}x CPU")
    notes = [
        "ratios are the median of the per-round ratios (each round runs both, one after the other, the order "
        "alternating), with their spread; 'median s' is each render as its child times it (the product's includes "
        "writing the captions, the audio-only loudness pass and the video pass; the child's interpreter start "
        "is not included, as a worker has Django loaded already).",
        "CPU s = user + system time of the render's processes: far less sensitive than wall time to other work.",
        "peak RSS tree = highest sampled (every 0.1 s) sum of VmRSS over the child and its descendants; largest "
        "process = exact peak of the biggest one (wait4).",
        "captions: "
        + (
            "the product's default style (bigger type with a shadow: more to draw than the yardstick)"
            if default_style
            else "the product's karaoke captions styled like the yardstick's (DejaVu "
            "Sans Bold 77 px, 4 px outline, no shadow, white/yellow, bottom at 75 %); the product groups "
            "the words into its own phrases"
        ),  # fmt: skip
        "the product also writes the thumbnail from the same pass (as every final render does); the yardstick "
        "does not. Same ffmpeg binary (the system's) for both.",
        f"{os.cpu_count()} CPUs; load average (1 min) {min(loads):.2f}-{max(loads):.2f} during the run: other "
        "work on the machine slows both alike but adds noise to single runs.",
    ]
    if "full" in results:
        notes.append("full-featured: a tracked crop (a fixed panning window: the tracker's analysis is not part "
                     "of the render), box captions, a 240 px logo at 90 %, a music bed measured and ducked under "
                     "the voice (its level pass is in the sound pass).")  # fmt: skip
    print("\nNotes:")
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
