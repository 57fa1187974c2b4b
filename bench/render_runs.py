"""The timed renders of bench/render.py (the product and the shared yardstick) and the
process-tree memory sampler.

Every render runs in a fresh child process (`render.py --child KIND ...`), so one run's memory
or caches cannot leak into the next; the child times its own work and writes it to a JSON file,
while the parent samples the RSS of the child and all its descendants (/proc) and collects the
largest single process's peak from wait4().
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from setup import ROOT

SAMPLE_EVERY = 0.1  # seconds between /proc samples


def cpu_seconds() -> float:
    """CPU time of this process plus its finished (waited-for) children, user + system."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


# -- the children ---------------------------------------------------------------------------

YARDSTICK = ROOT.parent / "shared" / "bench" / "ref_ffmpeg.sh"
SOURCE = ROOT.parent / "shared" / "media" / "big_buck_bunny_0_30.webm"
CUTS = [(0.0, 8.0), (11.0, 19.0), (21.0, 29.0)]  # the yardstick's
# The yardstick's captions drawn by the product: DejaVu Sans Bold at 77 px (ASS size), a 4 px
# black outline, no shadow, white words and the spoken one yellow, the block's bottom at 75 %
# of the height, 80 px from the sides.
YARDSTICK_STYLE = {
    "preset": "karaoke", "font": "DejaVu Sans", "size": 66, "color": "#FFFFFF", "highlight_color": "#FFFF00",
    "outline_color": "#000000", "outline": 4, "shadow": 0, "bold": True, "position": "bottom", "margin_v": 25,
    "margin_h": 7.4,
}  # fmt: skip


def _caption_words(inputs: Path) -> list[Any]:
    """The yardstick's word timings (captions.json: one event per word, from its start to the next's)."""
    from library.media import captions

    cap = json.loads((inputs / "captions.json").read_text())
    return [captions.Word(cap["words"][e["active"]], e["start"], e["end"]) for e in cap["events"]]


def product_render(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """The product's final render as clip_render runs it (library.services.final_render and
    music.clip_sound): captions written, the sound mixed and measured alone (loudness_pass, the
    audio-only pass), then the one video pass of render_graph, run by library.media.ffmpeg.run.
    Settings only: nothing here touches the database (django.setup is not needed)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editai.settings")
    from library.media import captions
    from library.media.ffmpeg import run, timeout_for
    from library.media.graphs.encode import Encoding
    from library.media.graphs.follow import Window
    from library.media.graphs.overlay import Brand, Logo
    from library.media.graphs.pieces import Piece
    from library.media.loudness import loudness_pass
    from library.media.render import Music, RenderSpec, render_graph

    inputs, full = Path(job["inputs"]), job["variant"] == "full"
    folder = out.parent / f"{out.stem}-work"
    folder.mkdir(exist_ok=True)
    words = _caption_words(inputs)
    style = {**YARDSTICK_STYLE, "preset": "box"} if full else job["style"]
    started, cpu = time.perf_counter(), cpu_seconds()
    ass = captions.write_ass(words, folder / "captions.ass", width=1080, height=1920, style=style,
                             fonts_dir=folder / "fonts")  # fmt: skip
    pieces = [Piece(SOURCE, start, end) for start, end in CUTS]
    brand, music = None, None
    if full:  # a window that pans across each cut (the tracker's output, fixed here), a logo, a bed
        pan = Window(((0.0, 0.3), (3.0, 0.55), (6.0, 0.7), (8.0, 0.6)))
        pieces = [Piece(SOURCE, start, end, window=pan) for start, end in CUTS]
        brand = Brand(logo=Logo(Path(job["logo"]), x=780, y=80, w=240, h=240, opacity=0.9))
        music = Music(Path(job["music"]))
    spec = RenderSpec(
        pieces=pieces, output=out, encoding=Encoding(crf=23, preset="veryfast", audio_bitrate="128k"), layout="pad",
        captions=ass, fonts_dir=folder / "fonts", voice=inputs / "vo.wav", original_audio="duck", loudness=-14.0,
        duration=24.0, thumbnail=folder / "thumbnail.jpg", brand=brand, music=music,
    )  # fmt: skip
    audio_started = time.perf_counter()
    spec, measured = loudness_pass(spec, folder, lambda graph: run(graph, timeout=timeout_for(24.0)),
                                   music_volume_db=-6.0 if music else None)  # fmt: skip
    video_started = time.perf_counter()
    graph = render_graph(spec)
    run(graph, timeout=timeout_for(spec.output_duration), duration=spec.output_duration)
    done = time.perf_counter()
    return {"elapsed": done - started, "cpu": cpu_seconds() - cpu, "audio_pass": video_started - audio_started,
            "video_pass": done - video_started, "measured": measured}  # fmt: skip


def yardstick_render(job: dict[str, Any], out: Path) -> dict[str, Any]:
    started, cpu = time.perf_counter(), cpu_seconds()
    env = {**os.environ, "BENCHREF_INPUTS": job["inputs"], "SRC": str(SOURCE)}
    subprocess.run(["sh", str(YARDSTICK), str(out)], check=True, stdin=subprocess.DEVNULL, env=env)
    return {"elapsed": time.perf_counter() - started, "cpu": cpu_seconds() - cpu}


CHILDREN = {"product": product_render, "full": product_render, "yardstick": yardstick_render}


def child_main(kind: str, job_path: Path, out: Path, result: Path) -> None:
    job = {**json.loads(job_path.read_text()), "variant": kind}
    result.write_text(json.dumps(CHILDREN[kind](job, out)))


def product_args(job: dict[str, Any], out: Path) -> list[str]:
    """The product's video-pass command for the plain clip (printed by --graph), with the sound
    pass's file and gain as a real render would have them."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editai.settings")
    from library.media.ffmpeg import compile_args
    from library.media.graphs.pieces import Piece
    from library.media.render import RenderSpec, render_graph

    inputs = Path(job["inputs"])
    spec = RenderSpec(
        pieces=[Piece(SOURCE, start, end) for start, end in CUTS], output=out, captions=out.with_suffix(".ass"),
        fonts_dir=out.parent / "fonts", voice=inputs / "vo.wav", loudness=-14.0, duration=24.0,
        thumbnail=out.with_suffix(".jpg"), premix=out.parent / "mix.wav", gain_db=7.8,
    )  # fmt: skip
    return compile_args(render_graph(spec))


# -- the parent's measurement ---------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    elapsed: float  # the child's own timing of the render (interpreter start-up excluded)
    wall: float  # the child process from start to exit
    tree_mb: float  # peak of the summed RSS of the child and all its descendants (sampled)
    ffmpeg_mb: float  # peak of the summed RSS of the ffmpeg processes among them (sampled)
    largest_mb: float  # the largest single process's peak RSS (wait4, exact)
    cpu: float  # user + system CPU seconds of the timed render, its processes included: robust to a busy machine
    extra: dict[str, Any]


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss_kb(pid: int) -> tuple[str, int]:
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return "", 0
    rss = fields.get("VmRSS", "0 kB").split()
    return fields.get("Name", "").strip(), int(rss[0]) if rss else 0


def tree_rss_kb(root: int) -> tuple[int, int]:
    """(all processes, ffmpeg processes) RSS in kB of root and its descendants right now."""
    children = _children_map()
    total = ffmpeg = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        name, rss = _rss_kb(pid)
        total += rss
        ffmpeg += rss if name.startswith("ffmpeg") else 0
        todo += children.get(pid, [])
    return total, ffmpeg


def measure(argv: list[str], *, result: Path, log: Path, timeout: float, env: dict[str, str] | None = None) -> Measured:
    """Run one child to the end, sampling its process tree; the child writes `result`."""
    result.unlink(missing_ok=True)
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=ROOT, env=env, start_new_session=True)  # fmt: skip
    peak_tree = peak_ffmpeg = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        total, ffmpeg = tree_rss_kb(proc.pid)
        peak_tree, peak_ffmpeg = max(peak_tree, total), max(peak_ffmpeg, ffmpeg)
        if time.perf_counter() - started > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            raise RuntimeError(f"{argv[1:3]} ran over {timeout:.0f} s; see {log}")
        time.sleep(SAMPLE_EVERY)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not result.exists():
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(argv[:4])} failed (exit {proc.returncode}):\n{tail}")
    data = json.loads(result.read_text())
    return Measured(
        elapsed=data.pop("elapsed"), wall=wall, tree_mb=peak_tree / 1024, ffmpeg_mb=peak_ffmpeg / 1024,
        largest_mb=usage.ru_maxrss / 1024, cpu=data.pop("cpu"), extra=data,
    )  # fmt: skip
