"""A full-height window that follows a subject (layouts `track` and `split`): the crop position
is an ffmpeg expression of the frame's time, so the moving window costs no extra pass and no
intermediate file.

The expression is piecewise linear over a few keypoints, written as a flat sum (one term per
change of slope, one per jump) rather than nested ifs: it stays short and evaluates in one go.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ffmpeg

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

Keys = tuple[tuple[float, float], ...]
TOLERANCE = 0.002  # normalised x: 0.2 % of the source's width (about a pixel at 640)
JUMP_EARLY = 0.001  # seconds
MAX_KEYS = 150  # per piece; past it the tolerance doubles (keeps the filter graph short)


@dataclass(frozen=True)
class Window:
    """Where a piece's window is centred over time: keypoints (seconds from the piece's start,
    normalised x of the window's centre), linear between them, held before the first and after
    the last; two keypoints at one time are a jump (a shot change). With `second`, the piece is
    a split: `keys` frames the top half, `second` the bottom half."""

    keys: Keys
    second: Keys = ()


def _simplify(points: Sequence[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Ramer-Douglas-Peucker on (t, x): the fewest points whose lines stay within `tolerance`
    (in x) of every point."""
    if len(points) <= 2:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (t0, x0), (t1, x1) = points[first], points[last]
        worst, index = 0.0, -1
        for n in range(first + 1, last):
            t, x = points[n]
            line = x0 if t1 == t0 else x0 + (x1 - x0) * (t - t0) / (t1 - t0)
            if abs(x - line) > worst:
                worst, index = abs(x - line), n
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def keypoints(
    times: Sequence[float], xs: Sequence[float], *, cuts: Sequence[float] = (), tolerance: float = TOLERANCE
) -> Keys:
    """A sampled path reduced to keypoints: each shot (between `cuts`) simplified on its own,
    and a jump at each cut: the old position held up to it, the new one from it. The jump is
    placed a millisecond early, so the new shot's first frame (whose time the cut rounds) is
    never framed for the old one."""
    if len(times) != len(xs) or not times:
        raise ValueError("a path needs as many positions as times, and at least one")
    bounds = sorted(c for c in cuts if times[0] < c <= times[-1])
    shots: list[tuple[float | None, list[tuple[float, float]]]] = [(None, [])]
    for t, x in zip(times, xs, strict=True):
        while bounds and t >= bounds[0] - 1e-6:
            shots.append((bounds.pop(0), []))
        shots[-1][1].append((float(t), float(x)))
    shots = [(cut, points) for cut, points in shots if points]
    while True:
        keys: list[tuple[float, float]] = []
        for cut, points in shots:
            if keys and cut is not None:
                at = max(cut - JUMP_EARLY, keys[-1][0])
                keys += [(at, keys[-1][1]), (at, points[0][1])]
            keys += _simplify(points, tolerance)
        if len(keys) <= MAX_KEYS + 3 * len(shots) or tolerance >= 1.0:
            return tuple((round(t, 3), round(min(max(x, 0.0), 1.0), 5)) for t, x in keys)
        tolerance *= 2


def x_expression(keys: Keys) -> str:
    """The normalised x of `keys` as an ffmpeg expression of `t`: the first value, plus for each
    keypoint the change of slope times max(0, t - its time), plus each jump times gte(t, its
    time)."""
    if not keys:
        raise ValueError("a window needs at least one keypoint")
    terms = [f"{keys[0][1]:.5f}"]
    changes: dict[float, float] = {}
    for (t0, x0), (t1, x1) in itertools.pairwise(keys):
        if t1 - t0 < 1e-6:
            if abs(x1 - x0) > 1e-6:
                terms.append(f"{x1 - x0:+.5f}*gte(t,{t0:.3f})")
            continue
        # Each linear stretch adds its slope at its start and takes it back at its end.
        slope = (x1 - x0) / (t1 - t0)
        changes[t0] = changes.get(t0, 0.0) + slope
        changes[t1] = changes.get(t1, 0.0) - slope
    for t, change in sorted(changes.items()):
        if abs(change) > 1e-9:
            terms.append(f"{change:+.6g}*max(0,t-{t:.3f})")
    return "".join(terms)


def _window(stream: Stream, keys: Keys, *, width: int, height: int, share: float = 1.0) -> Stream:
    """A width x height picture of a window `share` of the source's height tall, as wide as the
    output's aspect asks, centred on `keys` over time. A window shorter than the source sits
    in its upper part (a quarter of the spare height above it), where heads are."""
    tall = "ih" if share >= 1.0 else f"2*trunc(ih*{share:.4f}/2)"
    wide = f"2*trunc({tall}*{width}/{height}/2)"
    cropped = stream.filter(
        "crop", w=wide, h=tall, x=f"clip(({x_expression(keys)})*iw-ow/2,0,iw-ow)", y="(ih-oh)/4", exact=1
    )
    return cropped.filter("scale", width, height)


def follow(stream: Stream, window: Window, *, width: int, height: int) -> Stream:
    """`stream` (timestamps from 0) framed by `window`: one full-height window scaled to
    width x height, or (split) two windows stacked, each half the output's height."""
    if not window.second:
        return _window(stream, window.keys, width=width, height=height)
    half = height // 4 * 2  # even heights: vstack of odd-height 4:2:0 pictures crashes ffmpeg 5.1
    split = stream.filter_multi_output("split")
    # Two subjects side by side: each half shows a window 80 % of the source's height, the
    # tighter framing that keeps two far-apart faces from sharing one picture.
    top = _window(split[0], window.keys, width=width, height=half, share=0.8)
    bottom = _window(split[1], window.second, width=width, height=height - half, share=0.8)
    return ffmpeg.filter([top, bottom], "vstack", inputs=2)
