"""ffmpeg-python graphs for the stand-alone video tools (trim, concatenate, voice detect/mute,
voiceover, title cards). Run them with JobContext.ffmpeg (or library.media.ffmpeg.run).

Containers: a stream copy keeps the source's container (VP8/Vorbis cannot go into MP4); every
re-encode writes H.264/AAC MP4 with the product's one set of options (graphs.encode, at the
tools' settings: graphs.encode.TOOLS), and the framing, joining and ducking are the final
render's own (graphs.frame, graphs.pieces, graphs.mix).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ffmpeg

from library.media.graphs.encode import TOOLS, output_options
from library.media.graphs.frame import reframe
from library.media.graphs.mix import voice_over
from library.media.graphs.pieces import Piece, join, stereo
from library.media.voice import SAMPLE_RATE

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

# Containers a copied stream may go back into; anything else is remuxed into Matroska.
COPY_CONTAINERS = {"mp4", "webm", "mkv"}
# Delay of the line enhancer's reference (samples at 16 kHz): longer than a pitch period, so
# voiced speech does not predict itself, while a tone (periodic forever) still does.
ALE_DELAY_SAMPLES = 320


def container_for(extension: str) -> str:
    return extension if extension in COPY_CONTAINERS else "mkv"


def _mux_options(container: str) -> dict[str, Any]:
    return {"movflags": "+faststart"} if container == "mp4" else {}


def trim_copy(src: Path, dest: Path, *, start: float, duration: float, container: str) -> Any:
    """Stream copy from `start` (a keyframe: see probe.keyframe_at_or_before) for `duration`."""
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
    encoding = replace(TOOLS, preset=preset, crf=crf, audio_bitrate="64k" if height else TOOLS.audio_bitrate)
    return ffmpeg.output(*streams, str(dest), **output_options(encoding, audio=has_audio, rate=False))


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
            lines.append(f"outpoint {piece.end:.6f}")
    list_path.write_text("\n".join(lines) + "\n")


def concat_copy(list_path: Path, dest: Path, *, container: str) -> Any:
    """The concat demuxer with stream copy: no re-encode, inputs must match stream for stream."""
    return ffmpeg.input(str(list_path), f="concat", safe=0).output(
        str(dest), c="copy", avoid_negative_ts="make_zero", **_mux_options(container)
    )


def _fitted_audio(stream: Stream, *, duration: float, sample_rate: int, channels: int = 2) -> Stream:
    """Stereo at `sample_rate` (see graphs.pieces.stereo), exactly `duration` long."""
    stereo_audio = stereo(stream, sample_rate=sample_rate, channels=channels)
    return stereo_audio.filter("apad").filter("atrim", duration=f"{duration:.6f}")


def concat_filter(
    pieces: Sequence[Piece], dest: Path, *, width: int, height: int, fps: float, sample_rate: int = 48000
) -> Any:
    """One re-encoding pass through the render's concat graph (graphs.pieces.join): every piece
    trimmed, letterboxed to one size and rate, given silence when it has no audio, joined."""
    video, audio = join(pieces, width=width, height=height, fps=fps, sample_rate=sample_rate, mode="letterbox")
    encoding = replace(TOOLS, crf=21, sample_rate=sample_rate)
    return ffmpeg.output(video, audio, str(dest), **output_options(encoding, rate=False))


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
    duck_db: float,
    channels: int = 2,
    voice_channels: int = 1,
) -> Any:
    """The video with a voice laid over its original audio, which dips about `duck_db` while the
    voice speaks (the final render's ducking: graphs.mix.duck). A voice longer than the video
    extends it (last frame held), which needs a re-encode; otherwise the video stream is copied."""
    source = ffmpeg.input(str(src))
    total = max(duration, voice_duration)
    speech = _fitted_audio(ffmpeg.input(str(voice)).audio, duration=total, sample_rate=48000, channels=voice_channels)
    bed = _fitted_audio(source.audio, duration=total, sample_rate=48000, channels=channels) if has_audio else None
    mixed = voice_over(bed, speech, depth_db=duck_db)
    # Two loud tracks summed must not clip; no auto-levelling (it would change the loudness).
    mixed = mixed.filter("alimiter", limit=0.95, level=0)
    if voice_duration > duration + 0.05:
        video = source.video.filter("tpad", stop_mode="clone", stop_duration=f"{voice_duration - duration:.3f}")
        return ffmpeg.output(video, mixed, str(dest), t=f"{total:.6f}", **output_options(TOOLS, rate=False))
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
    video = source.video if size is None else reframe(source.video, width=size[0], height=size[1], mode="pad")
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
    return ffmpeg.output(*streams, str(dest), **output_options(TOOLS, audio=has_audio, rate=False))
