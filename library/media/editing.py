"""ffmpeg-python graphs for the stand-alone video tools (trim, concatenate, voice detect/mute,
voiceover, title cards). Run them with JobContext.ffmpeg (or library.media.ffmpeg.run).

Containers: a stream copy keeps the source's container (VP8/Vorbis cannot go into MP4); every
re-encode writes H.264/AAC MP4 like the rest of the product (builders.H264/AAC).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg
from django.conf import settings

from library.media import ffmpeg as ff
from library.media.builders import AAC, H264
from library.media.voice import SAMPLE_RATE

# Containers a copied stream may go back into; anything else is remuxed into Matroska.
COPY_CONTAINERS = {"mp4", "webm", "mkv"}
# Delay of the line enhancer's reference (samples at 16 kHz): longer than a pitch period, so
# voiced speech does not predict itself, while a tone (periodic forever) still does.
ALE_DELAY_SAMPLES = 320


@dataclass(frozen=True)
class Piece:
    """One input of a concatenation: a local file, and the part of it to use."""

    path: Path
    start: float
    duration: float
    has_audio: bool
    trimmed_end: bool = False
    channels: int = 2


def container_for(extension: str) -> str:
    return extension if extension in COPY_CONTAINERS else "mkv"


def _mux_options(container: str) -> dict[str, Any]:
    return {"movflags": "+faststart"} if container == "mp4" else {}


def keyframe_at_or_before(src: Path, at: float) -> float:
    """Time of the last video keyframe at or before `at` (the first frame a stream copy starting
    near `at` can begin with). Reads packet headers only, no decoding."""
    for window in (f"{max(at - 60.0, 0.0):.6f}%{at + 0.0005:.6f}", f"%{at + 0.0005:.6f}"):
        argv = [
            settings.FFPROBE_BINARY, "-v", "error", "-select_streams", "v:0", "-read_intervals", window,
            "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", str(src),
        ]  # fmt: skip
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        except subprocess.TimeoutExpired:
            raise ff.MediaError("reading the video's keyframes timed out") from None
        keyframes = []
        for line in out.stdout.splitlines():
            pts, _, flags = line.partition(",")
            try:
                time = float(pts)
            except ValueError:
                continue
            if flags.startswith("K") and time <= at + 1e-6:
                keyframes.append(time)
        if keyframes:
            return max(keyframes)
    return 0.0


def trim_copy(src: Path, dest: Path, *, start: float, duration: float, container: str) -> Any:
    """Stream copy from `start` (a keyframe: see keyframe_at_or_before) for `duration`."""
    return ffmpeg.input(str(src), ss=f"{start:.6f}").output(
        str(dest), t=f"{duration:.6f}", c="copy", avoid_negative_ts="make_zero", **_mux_options(container)
    )


def trim_encode(
    src: Path,
    dest: Path,
    *,
    start: float,
    duration: float,
    has_audio: bool,
    height: int | None = None,
    preset: str = "veryfast",
    crf: int = 20,
) -> Any:
    """Re-encode exactly [start, start + duration] (input seeking is frame-accurate when
    decoding). `height` scales down (previews)."""
    source = ffmpeg.input(str(src), ss=f"{start:.6f}", t=f"{duration:.6f}")
    video = source.video if height is None else source.video.filter("scale", -2, height)
    streams = [video, source.audio] if has_audio else [video]
    audio = {**AAC, "audio_bitrate": "64k" if height else AAC["audio_bitrate"]} if has_audio else {}
    return ffmpeg.output(*streams, str(dest), preset=preset, crf=crf, **H264, **audio)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def write_concat_list(pieces: Sequence[Piece], list_path: Path) -> None:
    """An ffconcat script for the concat demuxer; in/out points trim without re-encoding."""
    lines = ["ffconcat version 1.0"]
    for piece in pieces:
        lines.append(f"file {_quote(piece.path)}")
        if piece.start > 0:
            lines.append(f"inpoint {piece.start:.6f}")
        if piece.trimmed_end:
            lines.append(f"outpoint {piece.start + piece.duration:.6f}")
    list_path.write_text("\n".join(lines) + "\n")


def concat_copy(list_path: Path, dest: Path, *, container: str) -> Any:
    """The concat demuxer with stream copy: no re-encode, inputs must match stream for stream."""
    return ffmpeg.input(str(list_path), f="concat", safe=0).output(
        str(dest), c="copy", avoid_negative_ts="make_zero", **_mux_options(container)
    )


def fit_video(stream: Any, *, width: int, height: int, fps: float) -> Any:
    """Scale into width x height keeping the aspect, letterboxed, square pixels, fixed rate."""
    return (
        stream.filter("scale", width, height, force_original_aspect_ratio="decrease", force_divisible_by=2)
        .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2", color="black")
        .filter("setsar", 1)
        .filter("fps", fps)
        .filter("format", "yuv420p")
    )


def _fitted_audio(stream: Any, *, duration: float, sample_rate: int, channels: int = 2) -> Any:
    """Stereo at `sample_rate`, exactly `duration` long (a short track must not pull the next
    piece forward). Mono is copied to both sides at full level (ffmpeg's own upmix lowers it
    by 3 dB, which would make a mono video quieter than its neighbours)."""
    if channels == 1:
        stream = stream.filter("channelmap", map="0-FL|0-FR", channel_layout="stereo")
    return (
        stream.filter("aresample", sample_rate)
        .filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
        .filter("apad")
        .filter("atrim", duration=f"{duration:.6f}")
    )


def silence(*, duration: float, sample_rate: int) -> Any:
    return ffmpeg.input(f"anullsrc=r={sample_rate}:cl=stereo", f="lavfi", t=f"{duration:.6f}").audio


def concat_filter(
    pieces: Sequence[Piece], dest: Path, *, width: int, height: int, fps: float, sample_rate: int = 48000
) -> Any:
    """One re-encoding pass: every piece trimmed, fitted to one size/rate (letterboxed), given
    silence when it has no audio, then joined with the concat filter."""
    streams = []
    for piece in pieces:
        source = ffmpeg.input(str(piece.path), ss=f"{piece.start:.6f}", t=f"{piece.duration:.6f}")
        streams.append(fit_video(source.video, width=width, height=height, fps=fps))
        audio = source.audio if piece.has_audio else silence(duration=piece.duration, sample_rate=sample_rate)
        channels = piece.channels if piece.has_audio else 2
        streams.append(_fitted_audio(audio, duration=piece.duration, sample_rate=sample_rate, channels=channels))
    joined = ffmpeg.concat(*streams, v=1, a=1).node
    return ffmpeg.output(joined[0], joined[1], str(dest), preset="veryfast", crf=21, **H264, **AAC)


def vad_pcm(src: Path, dest: Path) -> Any:
    """The soundtrack as 16 kHz mono s16le PCM with its stationary part removed (see voice.py):
    an NLMS line enhancer predicts each sample from the signal 20 ms earlier and we keep the
    prediction error."""
    mono = ffmpeg.input(str(src)).audio.filter("aresample", SAMPLE_RATE).filter("aformat", channel_layouts="mono")
    split = mono.filter_multi_output("asplit")
    reference = split[0].filter("adelay", delays=f"{ALE_DELAY_SAMPLES}S", all=1)
    residual = ffmpeg.filter([reference, split[1]], "anlms", order=256, mu=0.05, out_mode="n")
    return residual.output(str(dest), format="s16le", acodec="pcm_s16le", ac=1, ar=SAMPLE_RATE)


def gain_expression(intervals: Sequence[tuple[float, float]], *, gain: float, ramp: float = 0.03) -> str:
    """A `volume` expression: `gain` inside the intervals, 1 outside, linear ramps of `ramp`
    seconds just outside each edge (no clicks). Intervals must be sorted and at least 2*ramp
    apart, so their ramps never overlap and the sum below stays within [0, 1]."""
    if not intervals:
        return "1"
    terms = [
        f"clip(min((t-{a - ramp:.4f})/{ramp},({b + ramp:.4f}-t)/{ramp}),0,1)" for a, b in intervals
    ]  # fmt: skip
    return f"1-{1 - gain:.6f}*({'+'.join(terms)})"


def audio_codec_for(container: str) -> dict[str, Any]:
    if container == "webm":
        return {"acodec": "libopus", "audio_bitrate": "128k"}
    return {"acodec": "aac", "audio_bitrate": "192k"}


def apply_gain(src: Path, dest: Path, *, intervals: Sequence[tuple[float, float]], gain: float, container: str) -> Any:
    """The same video (stream copied) with its audio turned down to `gain` in the intervals."""
    source = ffmpeg.input(str(src))
    # Small audio frames: `volume` evaluates its expression once per frame (256 samples ~ 5 ms).
    audio = source.audio.filter("asetnsamples", n=256, p=0).filter(
        "volume", volume=gain_expression(intervals, gain=gain), eval="frame"
    )
    return ffmpeg.output(
        source.video, audio, str(dest), vcodec="copy", **audio_codec_for(container), **_mux_options(container)
    )


def voiceover_mix(
    src: Path,
    voice: Path,
    dest: Path,
    *,
    has_audio: bool,
    duration: float,
    voice_duration: float,
    container: str,
    duck_gain: float,
    channels: int = 2,
    voice_channels: int = 1,
) -> Any:
    """The video with a voice laid over its original audio, which is ducked to `duck_gain` while
    the voice speaks. A voice longer than the video extends it (last frame held), which needs a
    re-encode; otherwise the video stream is copied."""
    source = ffmpeg.input(str(src))
    total = max(duration, voice_duration)
    speech = _fitted_audio(ffmpeg.input(str(voice)).audio, duration=total, sample_rate=48000, channels=voice_channels)
    if has_audio:
        bed = _fitted_audio(source.audio, duration=total, sample_rate=48000, channels=channels).filter(
            "volume", volume=gain_expression([(0.0, voice_duration)], gain=duck_gain), eval="frame"
        )
        mixed = ffmpeg.filter([bed, speech], "amix", inputs=2, duration="first", normalize=0)
    else:
        mixed = speech
    # Two loud tracks summed must not clip; no auto-levelling (it would change the loudness).
    mixed = mixed.filter("alimiter", limit=0.95, level=0)
    if voice_duration > duration + 0.05:
        video = source.video.filter("tpad", stop_mode="clone", stop_duration=f"{voice_duration - duration:.3f}")
        return ffmpeg.output(video, mixed, str(dest), preset="veryfast", crf=20, t=f"{total:.6f}", **H264, **AAC)
    return ffmpeg.output(
        source.video, mixed, str(dest), vcodec="copy", t=f"{total:.6f}",
        **audio_codec_for(container), **_mux_options(container),
    )  # fmt: skip


@dataclass(frozen=True)
class TextDraw:
    """One line of a title card, already laid out (see titles.py)."""

    textfile: Path
    fontfile: str
    size: int
    x: str  # an ffmpeg expression (text_w is known only to drawtext)
    baseline: int
    color: str = "white"


def reframe(stream: Any, *, width: int, height: int) -> Any:
    """To width x height without cropping the picture: fitted in the middle over a blurred,
    zoomed copy of itself (the usual social 'blurred pad')."""
    split = stream.filter_multi_output("split")
    background = (
        split[0]
        .filter("scale", width, height, force_original_aspect_ratio="increase")
        .filter("crop", width, height)
        .filter("boxblur", luma_radius=max(min(width, height) // 40, 2), luma_power=2)
    )
    foreground = split[1].filter("scale", width, height, force_original_aspect_ratio="decrease", force_divisible_by=2)
    return ffmpeg.overlay(background, foreground, x="(W-w)/2", y="(H-h)/2").filter("setsar", 1)


def title_card(
    src: Path,
    dest: Path,
    *,
    draws: Sequence[TextDraw],
    panel: tuple[int, int, int, int],
    start: float,
    end: float,
    has_audio: bool,
    size: tuple[int, int] | None = None,
    fade: float = 0.3,
) -> Any:
    """The whole video re-encoded with a title card (a dimmed panel and its lines of text)
    shown from `start` to `end`; the text fades in and out."""
    source = ffmpeg.input(str(src))
    video = source.video if size is None else reframe(source.video, width=size[0], height=size[1])
    shown = f"between(t,{start:.3f},{end:.3f})"
    x, y, w, h = panel
    video = video.filter("drawbox", x=x, y=y, w=w, h=h, color="black@0.55", t="fill", enable=shown)
    fade = max(min(fade, (end - start) / 3), 0.01)
    alpha = f"min(1,max(0,min((t-{start:.3f})/{fade:.3f},({end:.3f}-t)/{fade:.3f})))"
    for draw in draws:
        video = video.drawtext(
            textfile=str(draw.textfile), fontfile=draw.fontfile, fontsize=draw.size, fontcolor=draw.color,
            x=draw.x, y=f"{draw.baseline}-ascent", expansion="none", borderw=max(draw.size // 28, 1),
            bordercolor="black@0.6", alpha=alpha, enable=shown,
        )  # fmt: skip
    streams = [video, source.audio] if has_audio else [video]
    return ffmpeg.output(*streams, str(dest), preset="veryfast", crf=20, **H264, **(AAC if has_audio else {}))
