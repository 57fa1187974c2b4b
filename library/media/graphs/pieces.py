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

# Seconds of a file between two pieces that are decoded rather than sought over: a seek lands on
# the key frame before the piece and decodes from there, and key frames can be seconds apart.
MERGE_GAP = 4.0


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


def _reads(keys: Sequence[tuple[Any, ...]]) -> list[list[tuple[Any, ...]]]:
    """The pieces' stretches grouped into reads: one input per group, decoded once. A stretch
    joins the previous read of its file when it starts after it, at most MERGE_GAP later."""
    reads: list[list[tuple[Any, ...]]] = []
    last: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for key in keys:
        read = last.get((key[0], key[3], key[4]))
        if read is not None:
            end = float(read[-1][1]) + float(read[-1][2])
            if end <= float(key[1]) <= end + MERGE_GAP:
                read.append(key)
                continue
        read = [key]
        reads.append(read)
        last[(key[0], key[3], key[4])] = read
    return reads


def _read(read: list[tuple[Any, ...]], streams: str) -> dict[tuple[Any, ...], tuple[Any, Any]]:
    """Each stretch of `read` as (video, audio) streams timed from 0 (None where not in `streams`)."""
    first, last = read[0], read[-1]
    start, end = float(first[1]), float(last[1]) + float(last[2])
    want_audio = "a" in streams and bool(first[3])
    # A stream the graph does not use is not even read: without -vn, a sound-only pass over a
    # VP9 source decoded its picture too (0.47 s against 0.11 s for 29 s of BBB).
    unused = {**({} if "v" in streams else {"vn": None}), **({} if want_audio else {"an": None})}
    source = ffmpeg.input(str(first[0]), ss=f"{start:.3f}", t=f"{end - start:.3f}", **unused)
    if len(read) == 1:
        return {first: (source.video if "v" in streams else None, source.audio if want_audio else None)}
    videos = _fan_out(source.video, len(read), "split") if "v" in streams else [None] * len(read)
    audios = _fan_out(source.audio, len(read), "asplit") if want_audio else [None] * len(read)
    out = {}
    for key, video, audio in zip(read, videos, audios, strict=True):
        at, until = f"{float(key[1]) - start:.3f}", f"{float(key[1]) + float(key[2]) - start:.3f}"
        if video is not None:
            video = video.filter("trim", start=at, end=until).filter("setpts", "PTS-STARTPTS")
        if audio is not None:
            audio = audio.filter("atrim", start=at, end=until).filter("asetpts", "PTS-STARTPTS")
        out[key] = (video, audio)
    return out


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
    only what is used gets decoded), or, when it follows another piece of its file closely, from
    that piece's read (split and trimmed: the gap costs less to decode than a seek back to a key
    frame, which for sparse key frames is seconds of decoding thrown away). Each is framed by
    `mode` (see frame.reframe) at its own frame rate (never above `fps`: no frame is composited
    twice) and then brought to `fps`; its sound made stereo at `sample_rate`; then they are
    concatenated. `streams` "v" or "a" builds only the picture or only the sound (the other is
    None): the loudness pass reads sound alone.

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
    unique = dict(zip(keys, pieces, strict=True))
    read = {key: streams_ for group in _reads(list(unique)) for key, streams_ in _read(group, streams).items()}
    for key, piece in unique.items():
        source_video, source_audio = read[key]
        if "v" in streams:
            windows = [window for (seen, window) in framings if seen == key]
            # Frames closer together than the output's (a 60 fps source) are dropped before the
            # compositing; slower sources are composited at their own rate, `fps` comes after.
            picture = source_video.filter("select", f"isnan(prev_selected_t)+gte(t-prev_selected_t,{0.95 / fps:.5f})")
            reads = _fan_out(picture, len(windows), "split")
            for window, video in zip(windows, reads, strict=True):
                if window is not None:  # the window's expression reads the piece's own time, from 0
                    video = video.filter("setpts", "PTS-STARTPTS")
                video = reframe(video, width=width, height=height, mode=mode, window=window, darken=darken)
                # The last frame is held a little longer and the piece cut at its length: fps
                # would otherwise end it at its last frame's start (a frame short per piece).
                video = (
                    video.filter("tpad", stop_mode="clone", stop_duration=f"{2 / fps:.4f}")
                    .filter("fps", fps)
                    .filter("trim", duration=key[2])
                    .filter("setpts", "PTS-STARTPTS")
                )
                videos[(key, window)] = _fan_out(video, framings[key, window], "split")
        if piece.has_audio and "a" in streams:
            audio = stereo(source_audio, sample_rate=sample_rate, channels=piece.channels)
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
