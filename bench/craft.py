"""Craft benchmark (issue 18): the reference clip plain, and with logo + music + box captions.

    .venv/bin/python bench/craft.py [--runs 3] [--keep DIR]

The clip is the render yardstick of ../shared/bench (its README): three cuts of Big Buck Bunny
(0-8, 11-19, 21-29 s), its espeak-ng voiceover (vo.wav) and word timings (captions.json, made by
its make_inputs.py, run here once into a private folder), pad layout, the voice over the ducked
original, -14 LUFS, 1080x1920 at 30 fps, libx264 veryfast crf 23, AAC 128k. Rendered with the
product's pipeline (captions.write_ass, loudness.loudness_pass, render.render_graph) as:
  1. plain, one-pass loudnorm: karaoke captions; the sound normalised inside the video pass by
     loudnorm's one-pass estimate (the render as it was before the loudness pass);
  2. plain: the same, with the product's loudness pass (mixed alone, measured, then applied);
  3. craft: box captions + a music bed (a 20 s chord-and-sweep mp3 made with ffmpeg, looped,
     ducked under the voice) + a logo watermark (a PNG, top right, 85 % opacity).
Each is timed from the captions file to the finished mp4 (the audio-only passes count), the
three in turn, `--runs` times: wall time, and the CPU time of its ffmpeg processes (steadier on
a shared machine). Prints the median, spread and ratio of each, and the loudness and true peak
of the last output of each. Acceptance: craft <= 1.3x plain.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import ROOT, table

SHARED = ROOT.parent / "shared"
SOURCE = SHARED / "media" / "big_buck_bunny_0_30.webm"
MAKE_INPUTS = SHARED / "bench" / "make_inputs.py"
CUTS = [(0.0, 8.0), (11.0, 19.0), (21.0, 29.0)]
LOUDNESS, TARGET_RATIO = -14.0, 1.3
CONFIGS = {
    "plain-loudnorm": "plain, one-pass loudnorm (before)",
    "plain": "plain (karaoke, loudness pass)",
    "craft": "logo + music + box captions",
}


def inputs(work: Path) -> dict[str, Any]:
    """The yardstick's inputs (made once by its own script), a music file and a logo."""
    folder = work / "inputs"
    if not (folder / "captions.json").exists():
        env = {**os.environ, "BENCHREF_INPUTS": str(folder)}
        subprocess.run([sys.executable, str(MAKE_INPUTS)], check=True, env=env, stdout=subprocess.DEVNULL)
    music = work / "bed.mp3"
    if not music.exists():  # a C major chord under a slow sine sweep, 20 s (the 24 s clip loops it)
        tones = [f"sine=frequency={f}:duration=20" for f in (261.63, 329.63, 392.0)]
        sweep = "aevalsrc=0.3*sin(2*PI*(400*t+20*t*t)):s=44100:d=20"
        args = [a for src in [*tones, sweep] for a in ("-f", "lavfi", "-i", src)]
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args, "-filter_complex", "amix=inputs=4:normalize=0",
                        "-c:a", "libmp3lame", "-b:a", "192k", str(music)], check=True)  # fmt: skip
    logo = work / "logo.png"
    if not logo.exists():
        from PIL import Image, ImageDraw

        image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.rounded_rectangle((0, 0, 599, 239), radius=60, fill=(20, 120, 220, 255))
        draw.ellipse((40, 40, 200, 200), fill=(255, 255, 255, 255))
        draw.rectangle((250, 90, 540, 150), fill=(255, 255, 255, 255))
        image.save(logo)
    data = json.loads((folder / "captions.json").read_text())
    starts = {e["active"]: (e["start"], e["end"]) for e in data["events"]}
    from library.media.captions import Word

    words = [Word(text, *starts[i]) for i, text in enumerate(data["words"])]
    return {"voice": folder / "vo.wav", "words": words, "music": music, "logo": logo}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the ffmpeg processes, once finished
    return usage.ru_utime + usage.ru_stime


def render(config: str, shared: dict[str, Any], work: Path) -> tuple[float, float, Path]:
    """One render of the clip as `config`; (seconds, CPU seconds of its ffmpeg runs, output)."""
    from library.media import captions
    from library.media import ffmpeg as ff
    from library.media.graphs.encode import Encoding
    from library.media.graphs.overlay import Brand, Logo
    from library.media.graphs.pieces import Piece
    from library.media.loudness import loudness_pass
    from library.media.render import Music, RenderSpec, render_graph
    from library.presets import preset_get

    folder = Path(tempfile.mkdtemp(prefix=f"{config}-", dir=work))
    preset = preset_get("instagram_reels")
    assert preset is not None
    encoding = Encoding(width=1080, height=1920, fps=30, crf=23, preset="veryfast", audio_bitrate="128k")
    craft = config == "craft"
    started, cpu = time.monotonic(), _cpu()
    ass = captions.write_ass(shared["words"], folder / "captions.ass", width=1080, height=1920,
                             style={"preset": "box"} if craft else {}, safe=preset.safe_area(),
                             fonts_dir=folder / "fonts")  # fmt: skip
    # Top right, inside the safe area: 18 % of the width (the brand kit's default scale).
    logo = Logo(shared["logo"], x=1080 - 194 - 60, y=round(1920 * 0.08), w=194, h=78, opacity=0.85)
    spec = RenderSpec(
        pieces=[Piece(SOURCE, start, end) for start, end in CUTS], output=folder / "out.mp4", encoding=encoding,
        captions=ass, fonts_dir=folder / "fonts", voice=shared["voice"], loudness=LOUDNESS, duration=24.0,
        music=Music(shared["music"]) if craft else None, brand=Brand(logo=logo) if craft else None,
    )  # fmt: skip
    if config != "plain-loudnorm":
        spec, _ = loudness_pass(spec, folder, lambda graph: ff.run(graph, timeout=600),
                                music_volume_db=-18.0 if craft else None)  # fmt: skip
    ff.run(render_graph(spec), timeout=1200)
    return time.monotonic() - started, _cpu() - cpu, spec.output


def measure(path: Path) -> tuple[str, str]:
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a", "-af",
                          "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True).stderr  # fmt: skip
    summary = out[out.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+)", summary)
    return (integrated[1] if integrated else "?"), (peak[1] if peak else "?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the last output of each way here")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editai.settings")
    import django

    django.setup()  # settings only (ffmpeg binary, fonts): no database is used
    work = ROOT / ".var" / "bench" / "craft"
    work.mkdir(parents=True, exist_ok=True)
    shared = inputs(work)
    times: dict[str, list[float]] = {name: [] for name in CONFIGS}
    cpus: dict[str, list[float]] = {name: [] for name in CONFIGS}
    outputs: dict[str, Path] = {}
    for run in range(args.runs):
        for name in CONFIGS:  # in turn, so a busy minute weighs on every way alike
            seconds, cpu, out = render(name, shared, work)
            times[name].append(seconds)
            cpus[name].append(cpu)
            if name in outputs:
                shutil.rmtree(outputs[name].parent, ignore_errors=True)
            outputs[name] = out
            print(f"run {run + 1}/{args.runs} {name}: {seconds:.2f} s, CPU {cpu:.2f} s", file=sys.stderr, flush=True)
    plain, plain_cpu = statistics.median(times["plain"]), statistics.median(cpus["plain"])
    rows = []
    for name, label in CONFIGS.items():
        median = statistics.median(times[name])
        lufs, peak = measure(outputs[name])
        cpu = statistics.median(cpus[name])
        rows.append([label, len(times[name]), f"{median:.2f}", f"{min(times[name]):.2f}-{max(times[name]):.2f}",
                     f"{median / plain:.2f}x", f"{cpu:.2f}", f"{min(cpus[name]):.2f}-{max(cpus[name]):.2f}",
                     f"{cpu / plain_cpu:.2f}x", lufs, peak])  # fmt: skip
    print(f"\nThe reference clip (24 s, 1080x1920), {args.runs} runs each, in turn; times include the audio passes.\n")
    print(table(["render", "runs", "median s", "min-max s", "vs plain", "CPU s", "CPU min-max", "CPU vs plain",
                 "LUFS", "dBTP"], rows))  # fmt: skip
    ratio = statistics.median(times["craft"]) / plain
    verdict = "holds" if ratio <= TARGET_RATIO else "MISSED"
    print(f"\ncraft / plain = {ratio:.2f}x wall, {statistics.median(cpus['craft']) / plain_cpu:.2f}x CPU "
          f"(target <= {TARGET_RATIO}x): {verdict}")  # fmt: skip
    before = statistics.median(times["plain-loudnorm"])
    print(f"craft / plain with one-pass loudnorm = {statistics.median(times['craft']) / before:.2f}x")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for name, out in outputs.items():
            shutil.copyfile(out, args.keep / f"{name}.mp4")
    for out in outputs.values():
        shutil.rmtree(out.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
