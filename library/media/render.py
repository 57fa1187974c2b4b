"""The one-pass render graph: cut list -> trims -> concat -> 9:16 -> captions -> voice mixed
with the ducked or muted original -> loudness normalisation -> preset encode.

Variant generation uses it without captions and voice (a "raw" clip); the final render uses all
of it. One builder, parameterised, so the two can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ffmpeg

from library.media.graphs.encode import JPEG, Encoding, output_options
from library.media.graphs.mix import voice_over
from library.media.graphs.pieces import Piece, join, stereo

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers


@dataclass(frozen=True)
class RenderSpec:
    pieces: list[Piece]
    output: Path
    encoding: Encoding = field(default_factory=Encoding)
    layout: str = "pad"  # a graphs.frame mode: pad (blurred background) or crop (fill the frame)
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


def _audio(spec: RenderSpec, original: Stream) -> Stream:
    if spec.extend_audio > 0:
        original = original.filter("apad", pad_dur=f"{spec.extend_audio:.3f}")
    mixed = original
    if spec.voice is not None:
        voice = stereo(ffmpeg.input(str(spec.voice)).audio, sample_rate=spec.encoding.sample_rate)
        mixed = voice_over(original, voice, original_audio=spec.original_audio)
    if spec.loudness is not None:
        mixed = mixed.filter("loudnorm", i=spec.loudness, tp=-1.5, lra=11)
    return mixed.filter("aresample", spec.encoding.sample_rate)


def render_graph(spec: RenderSpec) -> Any:
    """The whole render as one ffmpeg-python graph (run it with library.media.ffmpeg.run)."""
    if not spec.pieces:
        raise ValueError("a render needs at least one piece")
    enc = spec.encoding
    video, audio = join(
        spec.pieces, width=enc.width, height=enc.height, fps=enc.fps, sample_rate=enc.sample_rate, mode=spec.layout
    )
    if spec.extend_audio > 0:
        video = video.filter("tpad", stop_mode="clone", stop_duration=f"{spec.extend_audio:.3f}")
    if spec.captions is not None:
        options = {"fontsdir": str(spec.fonts_dir)} if spec.fonts_dir else {}
        video = video.filter("subtitles", str(spec.captions), **options)
    video = video.filter("format", "yuv420p")
    audio = _audio(spec, audio)
    length = spec.output_duration + spec.extend_audio if spec.duration is None else spec.duration
    video_opts = {**output_options(enc), "t": f"{length:.3f}"}
    if spec.thumbnail is None:
        return ffmpeg.output(video, audio, str(spec.output), **video_opts)
    split = video.filter_multi_output("split")
    main, still = split[0], split[1]
    first = still.filter("trim", end_frame=1).filter("scale", 360, -2)
    return ffmpeg.merge_outputs(
        ffmpeg.output(main, audio, str(spec.output), **video_opts),
        ffmpeg.output(first, str(spec.thumbnail), **JPEG),
    )
