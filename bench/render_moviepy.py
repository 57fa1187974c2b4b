"""The benchmark clip composed with MoviePy 2.x (run by bench/render.py in its own virtualenv).

    .var/bench/moviepy-venv/bin/python bench/render_moviepy.py JOB.json OUT.mp4 RESULT.json

The same cuts, voice WAV, word timings and look as the product's one-pass render, built with
MoviePy's own API the way a competent MoviePy user would: subclips concatenated, a blurred
quarter-size background (Pillow BoxBlur twice, like ffmpeg's boxblur=10:2) under the centred
picture in a CompositeVideoClip, karaoke captions as TextClips per word window, the voice over
the ducked original in a CompositeAudioClip. MoviePy has no loudnorm, so the mix is written
once, measured with ffmpeg's ebur128 and given the static gain that brings it to the target
(that measurement pass is part of the timed work). Imports only MoviePy and its dependencies.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from moviepy import CompositeAudioClip, CompositeVideoClip, TextClip, VideoFileClip, concatenate_videoclips
from moviepy.audio.io.AudioFileClip import AudioFileClip
from PIL import Image, ImageFilter, ImageFont

DUCK_GAIN = 0.2  # -14 dB under the voice: about what sidechaincompress ratio 12 does to it
DUCK_RELEASE = 0.35  # seconds the dip lasts after a phrase (the compressor's release)


def blurred_background(width: int, height: int):
    """A frame -> the product's background: cover a quarter-size frame, box blur radius 10 twice,
    scale back up."""
    small = (width // 4, height // 4)

    def blur(frame: np.ndarray) -> np.ndarray:
        image = Image.fromarray(frame)
        scale = max(small[0] / image.width, small[1] / image.height)
        image = image.resize((max(round(image.width * scale), small[0]), max(round(image.height * scale), small[1])))
        left, top = (image.width - small[0]) // 2, (image.height - small[1]) // 2
        image = image.crop((left, top, left + small[0], top + small[1]))
        image = image.filter(ImageFilter.BoxBlur(10)).filter(ImageFilter.BoxBlur(10))
        return np.asarray(image.resize((width, height), Image.BICUBIC))

    return blur


def karaoke(job: dict[str, Any]) -> list[TextClip]:
    """One TextClip per word and colour (made once), placed per word window: the phrase stays
    up, the spoken word is yellow. Lines wrap inside the same side margins as the ASS style."""
    width, height, stroke = job["width"], job["height"], job["outline"]
    # libass sizes a font by its line height (ascent + descent), Pillow by its em: convert.
    ascent, descent = ImageFont.truetype(job["font"], job["font_size"]).getmetrics()
    size = round(job["font_size"] ** 2 / (ascent + descent))
    font = ImageFont.truetype(job["font"], size)
    ascent, descent = font.getmetrics()
    line_height = ascent + descent + 2 * stroke
    space = font.getlength(" ")
    max_width = width - 2 * job["margin_lr"]
    made: dict[tuple[str, str], TextClip] = {}

    def word_clip(text: str, color: str) -> TextClip:
        if (text, color) not in made:
            made[text, color] = TextClip(
                font=job["font"], text=text, font_size=size, color=color, stroke_color="black", stroke_width=stroke,
                size=(None, line_height), vertical_align="top",
            )  # fmt: skip
        return made[text, color]

    clips: list[TextClip] = []
    for phrase in job["phrases"]:
        widths = [font.getlength(w["text"]) for w in phrase]
        lines = wrap(widths, space, max_width)
        places: dict[int, tuple[int, int]] = {}
        top = height - job["margin_v"] - line_height * len(lines)
        for row, line in enumerate(lines):
            x = (width - (sum(widths[j] for j in line) + space * (len(line) - 1))) / 2
            for j in line:
                places[j] = (round(x) - stroke, top + row * line_height)  # the glyphs start `stroke` px in
                x += widths[j] + space
        for i, word in enumerate(phrase):
            end = phrase[i + 1]["start"] if i + 1 < len(phrase) else phrase[-1]["end"]
            start, end = word["start"], max(end, word["start"] + 0.05)
            for j, other in enumerate(phrase):
                color = job["highlight"] if j == i else job["color"]
                clip = word_clip(other["text"], color)
                clips.append(clip.with_start(start).with_duration(end - start).with_position(places[j]))
    return clips


def wrap(widths: list[float], space: float, max_width: float) -> list[list[int]]:
    """Word indexes per line: greedy, and a two-line phrase split evenly with the top line the
    wider, like libass's smart wrapping (WrapStyle 0)."""
    lines: list[list[int]] = [[]]
    for i, w in enumerate(widths):
        current = lines[-1]
        if current and sum(widths[j] for j in current) + space * len(current) + w > max_width:
            lines.append([])
        lines[-1].append(i)
    if len(lines) != 2:
        return lines
    span = lambda a, b: sum(widths[a:b]) + space * (b - a - 1)  # noqa: E731
    fitting = [k for k in range(1, len(widths)) if span(0, k) <= max_width and span(k, len(widths)) <= max_width]
    best = min(fitting, key=lambda k: (max(span(0, k), span(k, len(widths))), span(0, k) < span(k, len(widths))))
    return [list(range(best)), list(range(best, len(widths)))]


def ducked(audio: Any, windows: list[list[float]]) -> Any:
    """The original at DUCK_GAIN while the voice speaks: one vectorised gain curve."""
    edges = np.array(windows, dtype=float)

    def dip(get_frame, t):
        frame = get_frame(t)
        times = np.atleast_1d(t)
        inside = ((times[:, None] >= edges[:, 0]) & (times[:, None] <= edges[:, 1] + DUCK_RELEASE)).any(axis=1)
        gain = np.where(inside, DUCK_GAIN, 1.0)
        return frame * (gain[:, None] if frame.ndim == 2 else gain)

    return audio.transform(dip, keep_duration=True)


def integrated_loudness(ffmpeg: str, path: Path) -> float:
    out = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    found = re.findall(r"I:\s+(-?[\d.]+) LUFS", out.stderr.decode(errors="replace"))
    return float(found[-1])


def cpu_seconds() -> float:
    """CPU time of this process plus its finished (waited-for) children, user + system."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    output, result_path = Path(sys.argv[2]), Path(sys.argv[3])
    width, height, fps = job["width"], job["height"], job["fps"]
    started, cpu = time.perf_counter(), cpu_seconds()

    source = VideoFileClip(job["source"])
    cut = concatenate_videoclips([source.subclipped(start, end) for start, end in job["cuts"]])
    background = cut.image_transform(blurred_background(width, height))
    foreground = cut.resized(width=width) if cut.w / cut.h >= width / height else cut.resized(height=height)
    video = CompositeVideoClip(
        [background, foreground.with_position("center"), *karaoke(job)], size=(width, height)
    ).with_duration(cut.duration)

    voice = AudioFileClip(job["voice"])
    mix = CompositeAudioClip([ducked(cut.audio, job["duck_windows"]), voice]).with_duration(cut.duration)
    # No loudnorm in MoviePy: write the mix, measure it, apply one static gain.
    probe_wav = output.with_suffix(".mix.wav")
    mix.write_audiofile(str(probe_wav), fps=job["sample_rate"], logger=None)
    measured = integrated_loudness(job["ffmpeg"], probe_wav)
    probe_wav.unlink()
    gain_db = job["loudness"] - measured
    video = video.with_audio(mix.with_volume_scaled(10 ** (gain_db / 20)))
    video.write_videofile(
        str(output), fps=fps, codec="libx264", preset="veryfast",
        ffmpeg_params=["-crf", str(job["crf"]), "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
        audio_codec="aac", audio_bitrate=job["audio_bitrate"], audio_fps=job["sample_rate"],
        temp_audiofile=str(output.with_suffix(".temp-audio.m4a")), logger=None,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    source.close()  # reaps MoviePy's reader processes, so that their CPU time is counted
    voice.close()
    result = {"elapsed": elapsed, "cpu": cpu_seconds() - cpu, "measured_lufs": measured, "gain_db": gain_db}
    result_path.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
