"""Shared by the tools tests (tests/library/test_tools_*.py): made-to-measure media, running a
job in-process, and measuring what came out with ffprobe/ffmpeg."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage

from library.models import Job, JobStatus
from tests import jobs

FFMPEG = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]


def post_job(client: Any, url: str, body: dict) -> Job:
    """POST a tool request; it must answer 202 with a queued job."""
    response = client.post(url, body, format="json")
    assert response.status_code == 202, (response.status_code, response.content[:500])
    data = response.json()
    assert data["status"] == "queued"
    return Job.all_objects.get(pk=data["id"])


def run(job: Job) -> Job:
    """The q2 task, called in-process from outside any scope; the job must succeed."""
    outcome = jobs.run(job)
    job = jobs.reload(job)
    assert outcome == "succeeded" and job.status == JobStatus.SUCCEEDED, (outcome, job.error)
    return job


def output_path(job: Job) -> Path:
    return Path(default_storage.path(job.output.name))


def streams(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    data = json.loads(out.stdout)
    found = {s["codec_type"]: s for s in reversed(data["streams"])}
    return {"format": data["format"], **found}


def duration(path: Path) -> float:
    return float(streams(path)["format"]["duration"])


def decodes_cleanly(path: Path) -> bool:
    """The whole file decodes with no error (what a player needs)."""
    out = subprocess.run([*FFMPEG, "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True, text=True)
    return out.returncode == 0 and not out.stderr.strip()


def mean_volume(path: Path, start: float, end: float) -> float:
    """Mean loudness (dBFS, ffmpeg's volumedetect) of the audio between start and end."""
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-ss", f"{start}", "-t", f"{end - start}", "-i", str(path),
         "-vn", "-af", "volumedetect", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"mean_volume: (-?[\d.]+|-inf) dB", out.stderr)
    assert match, out.stderr[-500:]
    return -120.0 if match.group(1) == "-inf" else float(match.group(1))


def frame_counter_video(path: Path, *, seconds: float = 8.0, rate: int = 25, gop: int = 50) -> Path:
    """A video whose every frame is a flat grey of brightness = its frame number (0, 1, 2...),
    so the first frame of a cut says exactly where the cut began; a keyframe every `gop`."""
    subprocess.run(
        [*FFMPEG, "-f", "lavfi", "-i", f"nullsrc=s=64x64:r={rate}:d={seconds},geq=lum='N':cb=128:cr=128",
         "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-g", str(gop), "-keyint_min", str(gop),
         "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


def frame_numbers(path: Path) -> list[int]:
    """The frame numbers (brightness) of every frame of a cut of frame_counter_video."""
    # 2x2 yuv420p frames: 4 luma bytes then one U and one V. Luma is read as stored (no range
    # conversion), so it is the frame number itself.
    raw = subprocess.run(
        [*FFMPEG, "-i", str(path), "-vf", "scale=2:2:flags=area", "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return [round(sum(raw[i : i + 4]) / 4) for i in range(0, len(raw), 6)]


def speech_over_music(folder: Path) -> tuple[Path, list[tuple[float, float]]]:
    """A 10 s clip: a steady two-tone 'music' bed throughout, and two spoken phrases
    (espeak-ng) at 1.5 s and 6.0 s. Returns the clip and where the speech really is."""
    phrases = [(1.5, "welcome to our store where we show the new blender"), (6.0, "it is fast quiet and easy")]
    spans, inputs, chains = [], [], []
    for n, (at, text) in enumerate(phrases):
        wav = folder / f"phrase-{n}.wav"
        subprocess.run(["espeak-ng", "-w", str(wav), text], check=True, timeout=30)
        first, last = _sound_span(wav)
        spans.append((at + first, at + last))
        inputs += ["-i", str(wav)]
        delay = int(at * 1000)
        chains.append(f"[{n + 1}]aresample=48000,adelay={delay}|{delay}[s{n}]")
    clip = folder / "speech.mp4"
    graph = ";".join(chains) + ";[0][s0][s1]amix=inputs=3:normalize=0:duration=first[a]"
    subprocess.run(
        [*FFMPEG, "-f", "lavfi", "-i", "aevalsrc=0.12*sin(2*PI*220*t)+0.08*sin(2*PI*330*t):s=48000:d=10",
         *inputs, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=10",
         "-filter_complex", graph, "-map", "3:v", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k", "-shortest", str(clip)],
        check=True, timeout=60,
    )  # fmt: skip
    return clip, spans


def _sound_span(wav: Path) -> tuple[float, float]:
    """Where the sound in a speech file begins and ends (silencedetect, -50 dB)."""
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(wav), "-af", "silencedetect=n=-50dB:d=0.1", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    starts = [float(x) for x in re.findall(r"silence_start: ([\d.]+)", out)]
    ends = [float(x) for x in re.findall(r"silence_end: ([\d.]+)", out)]
    total = duration(wav)
    first = ends[0] if starts and starts[0] < 0.01 else 0.0
    last = starts[-1] if starts and (len(ends) < len(starts) or ends[-1] >= total - 0.01) else total
    return first, last
