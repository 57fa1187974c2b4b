"""The timed renders of bench/render.py and the process-tree memory sampler.

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


def product_render(job: dict[str, Any], out: Path) -> dict[str, float]:
    """The product's pipeline as the render job uses it: ASS written, graph built, run."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editai.settings")
    import django

    django.setup()  # settings only: nothing here touches the database
    from library.media import captions
    from library.media.ffmpeg import run, timeout_for
    from library.media.graphs.encode import Encoding
    from library.media.graphs.pieces import Piece
    from library.media.render import RenderSpec, render_graph

    words = [captions.Word(text, start, end) for text, start, end in job["words"]]
    started, cpu = time.perf_counter(), cpu_seconds()
    ass = captions.write_ass(words, out.with_suffix(".ass"), width=job["width"], height=job["height"])
    spec = RenderSpec(
        pieces=[Piece(Path(job["source"]), start, end) for start, end in job["cuts"]], output=out,
        encoding=Encoding(crf=job["crf"], preset=job["preset"], max_bitrate=None, audio_bitrate=job["audio_bitrate"]),
        layout="pad", captions=ass, voice=Path(job["voice"]), original_audio="duck", loudness=job["loudness"],
    )  # fmt: skip
    run(render_graph(spec), timeout=timeout_for(spec.output_duration), duration=spec.output_duration)
    return {"elapsed": time.perf_counter() - started, "cpu": cpu_seconds() - cpu}


def handwritten_args(job: dict[str, Any], out: Path) -> list[str]:
    """One ffmpeg command, written by hand: each cut read with input seeking, concatenated
    first, then ONE 9:16 chain (quarter-size boxblur background under the scaled picture),
    captions, the voice over the ducked original, loudnorm, the encode."""
    w, h, fps, rate = job["width"], job["height"], job["fps"], job["sample_rate"]
    args = [job["ffmpeg"], "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"]
    for start, end in job["cuts"]:
        args += ["-ss", f"{start:.3f}", "-t", f"{end - start:.3f}", "-i", job["source"]]
    args += ["-i", job["voice"]]
    n = len(job["cuts"])
    stereo = f"aresample={rate},aformat=sample_fmts=fltp:channel_layouts=stereo"
    graph = ";".join([
        "".join(f"[{i}:v][{i}:a]" for i in range(n)) + f"concat=n={n}:v=1:a=1[cv][ca]",
        f"[cv]fps={fps},split[fg][bg]",
        f"[bg]scale={w // 4}:{h // 4}:force_original_aspect_ratio=increase,crop={w // 4}:{h // 4},"
        f"boxblur=10:2,scale={w}:{h}[blurred]",
        f"[fg]scale={w}:{h}:force_original_aspect_ratio=decrease[front]",
        f"[blurred][front]overlay=(W-w)/2:(H-h)/2,setsar=1,subtitles=filename='{job['ass']}',format=yuv420p[v]",
        f"[{n}:a]{stereo},asplit[voice][key]",
        f"[ca]{stereo}[original]",
        "[original][key]sidechaincompress=threshold=0.015:ratio=12:attack=20:release=350[ducked]",
        f"[ducked][voice]amix=inputs=2:duration=first:normalize=0,loudnorm=I={job['loudness']}:TP=-1.5:LRA=11,"
        f"aresample={rate}[a]",
    ])  # fmt: skip
    return [
        *args, "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-preset", job["preset"], "-crf", str(job["crf"]), "-profile:v", "high", "-level:v", "4.1",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", job["audio_bitrate"], "-ar", str(rate), "-ac", "2",
        "-movflags", "+faststart", "-t", f"{sum(e - s for s, e in job['cuts']):.3f}", str(out),
    ]  # fmt: skip


def handwritten_render(job: dict[str, Any], out: Path) -> dict[str, float]:
    started, cpu = time.perf_counter(), cpu_seconds()
    subprocess.run(handwritten_args(job, out), check=True, stdin=subprocess.DEVNULL)
    return {"elapsed": time.perf_counter() - started, "cpu": cpu_seconds() - cpu}


CHILDREN = {"product": product_render, "handwritten": handwritten_render}


def child_main(kind: str, job_path: Path, out: Path, result: Path) -> None:
    job = json.loads(job_path.read_text())
    result.write_text(json.dumps(CHILDREN[kind](job, out)))


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
