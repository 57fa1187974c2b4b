"""The one-pass render graph: cut list -> trims -> concat -> 9:16 -> captions -> voice mixed
with the ducked or muted original and a music bed -> loudness normalisation -> preset encode.
The loudness is measured first on the sound alone (loudness.py, a cheap audio-only pass) and
applied here as one gain under a true-peak limiter.

Variant generation uses it without captions and voice (a "raw" clip); the final render uses all
of it. One builder, parameterised, so the two can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ffmpeg

from library.media.graphs.encode import JPEG, Encoding, output_options
from library.media.graphs.frame import PAD_DARKEN
from library.media.graphs.mix import music_bed, voice_over
from library.media.graphs.overlay import Brand, hook, sound_with_cards, watermark, with_cards
from library.media.graphs.pieces import Piece, join, stereo

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

TRUE_PEAK_CEILING = 0.7943  # -2 dBTP: the limiter's ceiling; AAC adds a few tenths, -1 dBTP is promised
LIMIT_RATE = 192000  # the limiter works 4x oversampled, so it catches the peaks between samples


@dataclass(frozen=True)
class Music:
    """A bed under the clip (graphs.mix.music_bed): `gain_db` sets its level (loudness.py
    measures it against the voice)."""

    path: Path
    gain_db: float = 0.0
    channels: int = 2


@dataclass(frozen=True)
class RenderSpec:
    pieces: list[Piece]
    output: Path
    encoding: Encoding = field(default_factory=Encoding)
    layout: str = "pad"  # a graphs.frame mode: pad (blurred background) or crop (fill the frame)
    pad_darken: float = PAD_DARKEN  # share of brightness the pad layout's blurred background loses
    captions: Path | None = None  # an .ass file (libass)
    fonts_dir: Path | None = None
    voice: Path | None = None
    original_audio: str = "duck"  # duck | mute | keep (with a voice)
    loudness: float | None = None  # integrated LUFS target, e.g. -14
    duration: float | None = None  # cut the output here (None: the cut list's length)
    thumbnail: Path | None = None  # a JPEG of the first frame, from the same pass
    extend_audio: float = 0.0  # seconds of silence added after the cut list (voice longer than video)
    music: Music | None = None
    # The loudness pass (loudness.py): the sound already mixed to a file and the gain measured to
    # bring it to `loudness`; this pass then reads no sound from the pieces.
    premix: Path | None = None
    gain_db: float = 0.0
    brand: Brand | None = None  # logo, hook and intro/outro cards (graphs.overlay)

    @property
    def cut_duration(self) -> float:
        return sum(p.duration for p in self.pieces)

    @property
    def output_duration(self) -> float:
        return self.duration if self.duration is not None else self.cut_duration

    @property
    def card_seconds(self) -> float:
        """The intro and outro cards' length: added to the clip's (they are not part of it)."""
        return self.brand.card_seconds if self.brand is not None else 0.0


ONE_PASS_PAD_SECONDS = 12.0  # a stream shorter than this is padded for loudnorm's one pass


def output_length(spec: RenderSpec) -> float:
    return spec.output_duration + spec.extend_audio if spec.duration is None else spec.duration


def mix(spec: RenderSpec, original: Stream) -> Stream:
    """The pieces' sound with the voice and the music bed: what the loudness is measured on."""
    if spec.extend_audio > 0:
        original = original.filter("apad", pad_dur=f"{spec.extend_audio:.3f}")
    rate = spec.encoding.sample_rate
    bed = None
    if spec.music is not None:
        music = spec.music
        bed = music_bed(music.path, length=output_length(spec), gain_db=music.gain_db, sample_rate=rate,
                        channels=music.channels)  # fmt: skip
    if spec.voice is not None:
        voice = stereo(ffmpeg.input(str(spec.voice)).audio, sample_rate=rate)
        return voice_over(original, voice, original_audio=spec.original_audio, bed=bed)
    if bed is not None:
        return ffmpeg.filter([original, bed], "amix", inputs=2, duration="first", normalize=0)
    return original


def limited(sound: Stream, *, gain_db: float, sample_rate: int) -> Stream:
    """`sound` raised by the measured `gain_db`, its true peaks held under TRUE_PEAK_CEILING."""
    return (
        sound.filter("volume", f"{gain_db:.3f}dB")
        .filter("aresample", LIMIT_RATE)
        .filter("alimiter", limit=TRUE_PEAK_CEILING, attack=2, release=60, level=0, latency=1)
        .filter("aresample", sample_rate)
    )


def _audio(spec: RenderSpec, original: Stream | None) -> Stream:
    rate = spec.encoding.sample_rate
    if spec.premix is not None:
        return limited(ffmpeg.input(str(spec.premix)).audio, gain_db=spec.gain_db, sample_rate=rate)
    mixed = mix(spec, original)
    if spec.loudness is not None:  # no loudness pass was made: loudnorm's one-pass estimate
        # loudnorm looks 3 s ahead and mishandles a shorter stream's end (a 2.4 s voice came out
        # at -42 LUFS for -14): pad with silence (gated out of the measure), then cut back.
        mixed = (
            mixed.filter("apad", whole_dur=f"{ONE_PASS_PAD_SECONDS:g}")
            .filter("loudnorm", i=spec.loudness, tp=-1.5, lra=11)
            .filter("atrim", end=f"{output_length(spec):.3f}")
        )
    return mixed.filter("aresample", rate)


def render_graph(spec: RenderSpec) -> Any:
    """The whole render as one ffmpeg-python graph (run it with library.media.ffmpeg.run)."""
    if not spec.pieces:
        raise ValueError("a render needs at least one piece")
    enc = spec.encoding
    video, audio = join(
        spec.pieces, width=enc.width, height=enc.height, fps=enc.fps, sample_rate=enc.sample_rate, mode=spec.layout,
        streams="v" if spec.premix is not None else "va", darken=spec.pad_darken,
    )  # fmt: skip
    if spec.extend_audio > 0:
        video = video.filter("tpad", stop_mode="clone", stop_duration=f"{spec.extend_audio:.3f}")
    if spec.captions is not None:
        options = {"fontsdir": str(spec.fonts_dir)} if spec.fonts_dir else {}
        # The ass filter with complex (HarfBuzz) shaping: the subtitles filter of ffmpeg 5 sets
        # libass to simple shaping, which leaves Devanagari conjuncts and Thai marks unshaped.
        video = video.filter("ass", str(spec.captions), shaping="complex", **options)
    audio = _audio(spec, audio)
    length = output_length(spec)
    if spec.brand is not None:
        brand = spec.brand
        if brand.hook is not None:
            video = hook(video, brand.hook, fonts_dir=brand.fonts_dir or spec.fonts_dir)
        video = with_cards(video, brand, length=length, width=enc.width, height=enc.height, fps=enc.fps)
        if brand.logo is not None:
            video = watermark(video, brand.logo)
        audio = sound_with_cards(audio, brand, length=length)
        length += brand.card_seconds
    video = video.filter("format", "yuv420p")
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
