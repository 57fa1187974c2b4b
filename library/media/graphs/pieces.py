"""`Piece` and the one concat graph: pieces read, framed to one size, rate and sample format,
given silence when they have none, and joined."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ffmpeg

from library.media.graphs.frame import reframe

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers


@dataclass(frozen=True)
class Piece:
    """A stretch [start, end) of a local media file."""

    path: Path
    start: float
    end: float
    has_audio: bool = True
    channels: int = 2  # a mono piece is copied to both sides at full level
    trimmed_end: bool = False  # ends before its file does (a stream-copy concat writes an outpoint)

    @property
    def duration(self) -> float:
        return self.end - self.start


def _fan_out(stream: Stream, count: int, splitter: str) -> list[Stream]:
    if count == 1:
        return [stream]
    node = stream.filter_multi_output(splitter, count)
    return [node[i] for i in range(count)]


def stereo(stream: Stream, *, sample_rate: int, channels: int = 2) -> Stream:
    """Stereo float at `sample_rate`. Mono is copied to both sides at full level (ffmpeg's own
    upmix lowers it by 3 dB, which would make a mono video quieter than its neighbours)."""
    if channels == 1:
        stream = stream.filter("channelmap", map="0-FL|0-FR", channel_layout="stereo")
    return stream.filter("aresample", sample_rate).filter("aformat", sample_fmts="fltp", channel_layouts="stereo")


def join(
    pieces: Sequence[Piece], *, width: int, height: int, fps: float, sample_rate: int, mode: str = "pad"
) -> tuple[Any, Any]:
    """(video, audio) of the pieces end to end. Each piece is read with input seeking (-ss/-t:
    only what is used gets decoded), framed by `mode` (see frame.reframe) at `fps`, its sound
    made stereo at `sample_rate`; then they are concatenated.

    A graph node may feed only one consumer, and ffmpeg-python merges identical nodes: a piece
    used twice (a looped cut list) is read once and split, and the silence of pieces without
    sound comes from one source, split and trimmed to each piece."""
    if not pieces:
        raise ValueError("a join needs at least one piece")
    keys = [(str(p.path), f"{p.start:.3f}", f"{p.duration:.3f}", p.has_audio, p.channels) for p in pieces]
    uses = Counter(keys)
    videos: dict[tuple[Any, ...], list[Any]] = {}
    audios: dict[tuple[Any, ...], list[Any]] = {}
    for key, piece in dict(zip(keys, pieces, strict=True)).items():
        source = ffmpeg.input(str(piece.path), ss=key[1], t=key[2])
        video = reframe(source.video.filter("fps", fps), width=width, height=height, mode=mode)
        videos[key] = _fan_out(video.filter("setpts", "PTS-STARTPTS"), uses[key], "split")
        if piece.has_audio:
            audio = stereo(source.audio, sample_rate=sample_rate, channels=piece.channels)
            audios[key] = _fan_out(audio.filter("asetpts", "PTS-STARTPTS"), uses[key], "asplit")
    silent = sum(1 for key in keys if not key[3])
    silences = []
    if silent:
        source = ffmpeg.input(f"anullsrc=channel_layout=stereo:sample_rate={sample_rate}", f="lavfi").audio
        silences = _fan_out(source, silent, "asplit")
    parts = []
    for key, piece in zip(keys, pieces, strict=True):
        video = videos[key].pop()
        if piece.has_audio:
            audio = audios[key].pop()
        else:
            audio = silences.pop().filter("atrim", duration=key[2]).filter("asetpts", "PTS-STARTPTS")
        parts += [video, audio]
    if len(pieces) == 1:
        return parts[0], parts[1]
    joined = ffmpeg.concat(*parts, v=1, a=1).node
    return joined[0], joined[1]
