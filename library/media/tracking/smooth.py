"""Smoothing a subject's raw positions into a window path a camera operator would draw: jitter
filtered, still while the subject barely moves, bounded speed and acceleration, a jump at each
cut, the window kept inside the frame."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

MAX_SPEED = 0.14  # source widths per second: under 0.5 % per frame at 30 fps (0.15)
GRID = 0.1  # seconds between points of a smoothed path
MEDIAN_SECONDS = 0.5  # jitter filter
DEADZONE = 0.12  # of the window's width: a subject moving less than this does not move the window
EASE_SECONDS = 0.8  # box filter over the speed-limited path: acceleration <= 2 * MAX_SPEED / this
Floats = npt.NDArray[np.float64]


def shot_bounds(times: Sequence[float], cuts: Sequence[float]) -> list[tuple[int, int]]:
    """Index ranges [first, last) of `times` per shot."""
    bounds, first = [], 0
    for cut in sorted(cuts):
        split = bisect.bisect_left(times, cut - 1e-9)
        if split > first:
            bounds.append((first, split))
            first = split
    if first < len(times):
        bounds.append((first, len(times)))
    return bounds


def _median(xs: Floats, size: int) -> Floats:
    if size < 2 or len(xs) < 3:
        return xs
    half = size // 2
    padded = np.pad(xs, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.median(windows, axis=1)


def _box(xs: Floats, size: int) -> Floats:
    if size < 2 or len(xs) < 2:
        return xs
    half = size // 2
    padded = np.pad(xs, half, mode="edge")
    kernel = np.full(2 * half + 1, 1.0 / (2 * half + 1))
    return np.convolve(padded, kernel, mode="valid")


def _hysteresis(xs: Floats, dead: float) -> Floats:
    out = np.empty_like(xs)
    held = xs[0]
    for i, x in enumerate(xs):
        if x > held + dead:
            held = x - dead
        elif x < held - dead:
            held = x + dead
        out[i] = held
    return out


def _speed_limit(xs: Floats, step: float) -> Floats:
    out = np.empty_like(xs)
    out[0] = xs[0]
    for i in range(1, len(xs)):
        out[i] = out[i - 1] + min(max(xs[i] - out[i - 1], -step), step)
    return out


def _both_ways(fn: Callable[[Floats], Floats], xs: Floats) -> Floats:
    """A causal filter run forwards and backwards, averaged: the lag of one cancels the lead of
    the other, and an average of two speed-limited paths is speed-limited too."""
    return (fn(xs) + fn(xs[::-1])[::-1]) / 2


def _smooth_shot(ts: Floats, xs: Floats, window: float) -> Floats:
    known = ~np.isnan(xs)
    if not known.any():
        return np.full(len(ts), 0.5)
    lo, hi = window / 2, 1 - window / 2
    grid = np.arange(ts[0], ts[-1] + GRID / 2, GRID) if ts[-1] > ts[0] else ts[:1].copy()
    target = np.clip(np.interp(grid, ts[known], xs[known]), lo, hi)
    target = _median(target, round(MEDIAN_SECONDS / GRID))
    target = _both_ways(lambda v: _hysteresis(v, DEADZONE * window), target)
    target = _both_ways(lambda v: _speed_limit(v, MAX_SPEED * GRID), target)
    target = _box(target, round(EASE_SECONDS / GRID))
    return np.clip(np.interp(ts, grid, target), lo, hi)


def crop_path_smooth(
    times: Sequence[float], xs: Sequence[float], *, cuts: Sequence[float], window: float
) -> tuple[float, ...]:
    """Window centres for the subject positions `xs` (normalised x; NaN = not seen, held) at
    `times`: jitter removed, still while the subject moves less than DEADZONE of the window,
    speed at most MAX_SPEED source widths a second with bounded acceleration, kept inside the
    frame (`window` = crop width / source width), and each shot between `cuts` on its own (the
    path jumps at a cut). Points between input times are linear; pass a dense grid (about 10 a
    second) for the acceleration bound to hold between them."""
    if len(times) != len(xs):
        raise ValueError("as many positions as times are needed")
    if not times:
        return ()
    if window >= 1.0:
        return tuple(0.5 for _ in times)
    ts, values = np.asarray(times, dtype=np.float64), np.asarray(xs, dtype=np.float64)
    out = np.empty(len(ts))
    for first, last in shot_bounds(list(ts), cuts):
        out[first:last] = _smooth_shot(ts[first:last], values[first:last], window)
    return tuple(float(x) for x in out)
