"""The one-pass render graph: cut list -> trims -> concat -> 9:16 -> captions -> voice mixed
with the ducked or muted original -> loudness normalisation -> preset encode.

Variant generation uses it without captions and voice (a "raw" clip); the final render uses all
of it. One builder, parameterised, so the two can never drift apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ffmpeg


@dataclass(frozen=True)
class Piece:
    """A stretch [start, end) of a local media file."""

    path: Path
    start: float
    end: float
    has_audio: bool = True

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Encoding:
    width: int = 1080
    height: int = 1920
    fps: int = 30
    video_codec: str = "libx264"
    preset: str = "veryfast"
    crf: int = 23
    profile: str = "high"
    level: str | None = "4.1"
    max_bitrate: str | None = None  # e.g. "8M" (with a buffer twice as large)
    audio_bitrate: str = "128k"
    sample_rate: int = 48000
    threads: int = 0


@dataclass(frozen=True)
class RenderSpec:
    pieces: list[Piece]
    output: Path
    encoding: Encoding = field(default_factory=Encoding)
    layout: str = "pad"  # pad: blurred background; crop: fill the frame
    captions: Path | None = None  # an .ass file (libass)
    fonts_dir: Path | None = None
    voice: Path | None = None
    original_audio: str = "duck"  # duck | mute | keep (with a voice)
    loudness: float | None = None  # integrated LUFS target, e.g. -14
    duration: float | None = None  # cut the output here (None: the cut list's length)
    thumbnail: Path | None = None  # a JPEG of the first frame, from the same pass
    extend_audio: float = 0.0  # seconds of silence added after the cut list (voice longer than video)

    @property
    def cut_duration(self) -> float:
        return sum(p.duration for p in self.pieces)

    @property
    def output_duration(self) -> float:
        return self.duration if self.duration is not None else self.cut_duration


def vertical(stream: Any, *, width: int, height: int, layout: str) -> Any:
    """Fit any picture into width x height: centred over a blurred copy of itself (pad), or
    scaled to cover and cropped (crop)."""
    if layout == "crop":
        return stream.filter("scale", width, height, force_original_aspect_ratio="increase").filter(
            "crop", width, height
        )
    split = stream.filter_multi_output("split")
    fg, bg = split[0], split[1]
    # Blur at quarter size and scale back up: the same look for a fraction of the work.
    background = (
        bg.filter("scale", width // 4, height // 4, force_original_aspect_ratio="increase")
        .filter("crop", width // 4, height // 4)
        .filter("boxblur", 10, 2)
        .filter("scale", width, height)
    )
    foreground = fg.filter("scale", width, height, force_original_aspect_ratio="decrease")
    return ffmpeg.overlay(background, foreground, x="(W-w)/2", y="(H-h)/2")


def _fan_out(stream: Any, count: int, splitter: str) -> list[Any]:
    if count == 1:
        return [stream]
    node = stream.filter_multi_output(splitter, count)
    return [node[i] for i in range(count)]


def _pieces(spec: RenderSpec) -> tuple[Any, Any]:
    """Each piece read with input seeking (-ss/-t: only what is used gets decoded), laid out
    to the output frame, fps and sample format (pieces may come from different videos), then
    concatenated.

    A graph node may feed only one consumer, and ffmpeg-python merges identical nodes: a piece
    used twice (a looped cut list) is read once and split, and the silence of pieces without
    sound comes from one source, split and trimmed to each piece."""
    enc = spec.encoding
    keys = [(str(p.path), f"{p.start:.3f}", f"{p.duration:.3f}", p.has_audio) for p in spec.pieces]
    uses = Counter(keys)
    videos: dict[tuple, list[Any]] = {}
    audios: dict[tuple, list[Any]] = {}
    for key, piece in dict(zip(keys, spec.pieces, strict=True)).items():
        source = ffmpeg.input(str(piece.path), ss=key[1], t=key[2])
        video = vertical(source.video.filter("fps", enc.fps), width=enc.width, height=enc.height, layout=spec.layout)
        videos[key] = _fan_out(video.filter("setsar", 1).filter("setpts", "PTS-STARTPTS"), uses[key], "split")
        if piece.has_audio:
            audio = source.audio.filter("aresample", enc.sample_rate).filter(
                "aformat", sample_fmts="fltp", channel_layouts="stereo"
            )
            audios[key] = _fan_out(audio.filter("asetpts", "PTS-STARTPTS"), uses[key], "asplit")
    silent = sum(1 for key in keys if not key[3])
    silences = []
    if silent:
        source = ffmpeg.input(f"anullsrc=channel_layout=stereo:sample_rate={enc.sample_rate}", f="lavfi").audio
        silences = _fan_out(source, silent, "asplit")
    parts = []
    for key, piece in zip(keys, spec.pieces, strict=True):
        video = videos[key].pop()
        if piece.has_audio:
            audio = audios[key].pop()
        else:
            audio = silences.pop().filter("atrim", duration=key[2]).filter("asetpts", "PTS-STARTPTS")
        parts += [video, audio]
    if len(spec.pieces) == 1:
        return parts[0], parts[1]
    joined = ffmpeg.concat(*parts, v=1, a=1).node
    return joined[0], joined[1]


def _audio(spec: RenderSpec, original: Any) -> Any:
    enc = spec.encoding
    if spec.extend_audio > 0:
        original = original.filter("apad", pad_dur=f"{spec.extend_audio:.3f}")
    if spec.voice is None:
        mixed = original
    else:
        voice = (
            ffmpeg.input(str(spec.voice))
            .audio.filter("aresample", enc.sample_rate)
            .filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
        )
        if spec.original_audio == "mute":
            mixed = voice.filter("apad")
        elif spec.original_audio == "keep":
            mixed = ffmpeg.filter([original, voice], "amix", inputs=2, duration="first", normalize=0)
        else:  # duck: the original dips whenever the voice speaks
            split = voice.filter_multi_output("asplit")
            voice_mix, voice_key = split[0], split[1]
            ducked = ffmpeg.filter(
                [original, voice_key], "sidechaincompress", threshold=0.015, ratio=12, attack=20, release=350
            )
            mixed = ffmpeg.filter([ducked, voice_mix], "amix", inputs=2, duration="first", normalize=0)
    if spec.loudness is not None:
        mixed = mixed.filter("loudnorm", i=spec.loudness, tp=-1.5, lra=11)
    return mixed.filter("aresample", enc.sample_rate)


def render_graph(spec: RenderSpec) -> Any:
    """The whole render as one ffmpeg-python graph (run it with library.media.ffmpeg.run)."""
    if not spec.pieces:
        raise ValueError("a render needs at least one piece")
    enc = spec.encoding
    video, audio = _pieces(spec)
    if spec.extend_audio > 0:
        video = video.filter("tpad", stop_mode="clone", stop_duration=f"{spec.extend_audio:.3f}")
    if spec.captions is not None:
        options = {"fontsdir": str(spec.fonts_dir)} if spec.fonts_dir else {}
        video = video.filter("subtitles", str(spec.captions), **options)
    video = video.filter("format", "yuv420p")
    audio = _audio(spec, audio)

    video_opts: dict[str, Any] = {
        "vcodec": enc.video_codec, "preset": enc.preset, "crf": enc.crf, "profile:v": enc.profile,
        "pix_fmt": "yuv420p", "r": enc.fps, "movflags": "+faststart",
        "acodec": "aac", "audio_bitrate": enc.audio_bitrate, "ar": enc.sample_rate, "ac": 2,
        "t": f"{spec.output_duration + spec.extend_audio if spec.duration is None else spec.duration:.3f}",
    }  # fmt: skip
    if enc.level:
        video_opts["level"] = enc.level
    if enc.max_bitrate:
        video_opts["maxrate"] = enc.max_bitrate
        video_opts["bufsize"] = _double(enc.max_bitrate)
    if enc.threads:
        video_opts["threads"] = enc.threads
    if spec.thumbnail is None:
        return ffmpeg.output(video, audio, str(spec.output), **video_opts)
    split = video.filter_multi_output("split")
    main, still = split[0], split[1]
    first = still.filter("trim", end_frame=1).filter("scale", 360, -2)
    return ffmpeg.merge_outputs(
        ffmpeg.output(main, audio, str(spec.output), **video_opts),
        ffmpeg.output(first, str(spec.thumbnail), vframes=1, format="image2", vcodec="mjpeg", **{"q:v": 4}),
    )


def _double(rate: str) -> str:
    number, unit = (rate[:-1], rate[-1]) if rate[-1].isalpha() else (rate, "")
    return f"{float(number) * 2:g}{unit}"
