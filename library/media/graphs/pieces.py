"""`Piece` and the one concat graph: pieces read, framed to one size, rate and sample format,
given silence when they have none, and joined."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ffmpeg

from library.media.graphs.follow import Window
from library.media.graphs.frame import PAD_DARKEN, reframe

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
    window: Window | None = None  # layouts track/split: a moving crop instead of the join's mode

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
    pieces: Sequence[Piece],
    *,
    width: int,
    height: int,
    fps: float,
    sample_rate: int,
    mode: str = "pad",
    streams: str = "va",
    darken: float = PAD_DARKEN,
) -> tuple[Any, Any]:
    """(video, audio) of the pieces end to end. Each piece is read with input seeking (-ss/-t:
    only what is used gets decoded), framed by `mode` (see frame.reframe) at `fps`, its sound
    made stereo at `sample_rate`; then they are concatenated. `streams` "v" or "a" builds only
    the picture or only the sound (the other is None): the loudness pass reads sound alone.

    A graph node may feed only one consumer, and ffmpeg-python merges identical nodes: a piece
    used twice (a looped cut list) is read once and split, and the silence of pieces without
    sound comes from one source, split and trimmed to each piece."""
    if not pieces:
        raise ValueError("a join needs at least one piece")
    keys = [(str(p.path), f"{p.start:.3f}", f"{p.duration:.3f}", p.has_audio, p.channels) for p in pieces]
    uses = Counter(keys)
    # A piece read once may be framed by different windows (a looped piece with its own focus).
    framings = Counter((key, p.window) for key, p in zip(keys, pieces, strict=True))
    videos: dict[tuple[Any, ...], list[Any]] = {}
    audios: dict[tuple[Any, ...], list[Any]] = {}
    for key, piece in dict(zip(keys, pieces, strict=True)).items():
        source = ffmpeg.input(str(piece.path), ss=key[1], t=key[2])
        if "v" in streams:
            windows = [window for (read, window) in framings if read == key]
            reads = _fan_out(source.video.filter("fps", fps), len(windows), "split")
            for window, video in zip(windows, reads, strict=True):
                if window is not None:  # the window's expression reads the piece's own time, from 0
                    video = video.filter("setpts", "PTS-STARTPTS")
                video = reframe(video, width=width, height=height, mode=mode, window=window, darken=darken)
                videos[(key, window)] = _fan_out(video.filter("setpts", "PTS-STARTPTS"), framings[key, window], "split")
        if piece.has_audio and "a" in streams:
            audio = stereo(source.audio, sample_rate=sample_rate, channels=piece.channels)
            audios[key] = _fan_out(audio.filter("asetpts", "PTS-STARTPTS"), uses[key], "asplit")
    silent = sum(1 for key in keys if not key[3]) if "a" in streams else 0
    silences = []
    if silent:
        source = ffmpeg.input(f"anullsrc=channel_layout=stereo:sample_rate={sample_rate}", f="lavfi").audio
        silences = _fan_out(source, silent, "asplit")
    parts = []
    for key, piece in zip(keys, pieces, strict=True):
        if "v" in streams:
            parts.append(videos[(key, piece.window)].pop())
        if "a" not in streams:
            continue
        if piece.has_audio:
            audio = audios[key].pop()
        else:
            audio = silences.pop().filter("atrim", duration=key[2]).filter("asetpts", "PTS-STARTPTS")
        parts.append(audio)
    v, a = int("v" in streams), int("a" in streams)
    if len(pieces) == 1:
        return parts[0] if v else None, parts[-1] if a else None
    joined = ffmpeg.concat(*parts, v=v, a=a).node
    return joined[0] if v else None, joined[v] if a else None
