"""Local analysis with ffmpeg: no key, no network, the default without a Gemini key.

One low-resolution decode (library.media.analysis.scan_video) gives the shot changes and, per
sample, motion and luma. From those: dead footage (black, or frozen) is cut out, shots shorter
than a second are dropped, long shots are split into windows of a few seconds, each window is
scored 0..100, and shots that repeat an earlier picture (near-duplicates) are dropped.
"""

from __future__ import annotations

import itertools
import math
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from costs.services import cost_entry_record
from library import keywords
from library.media import analysis as media
from library.media import ffmpeg as ff
from library.providers.analysis.base import Analysis, AnalysisError, ScoredSegment, Spoken, normalize_segments
from profiles.tenancy import current_profile

MODEL = "ffmpeg"
STATIC_MOTION = 0.2  # mean luma change per sample (at the reference rate) below this: frozen
DARK_YHIGH = 40.0  # 90% of the picture darker than this: black (black is 16)
MIN_DEAD_SECONDS = 0.5  # dead stretches this long are cut out; black at a shot's edges, any length
MIN_SHOT_SECONDS = 1.0
TARGET_WINDOW_SECONDS = 5.0
MAX_WINDOW_SECONDS = 8.0
DUPLICATE_DISTANCE = 6.0  # mean grey-level difference of two shots' middle thumbnails
MOTION_SCALE = 3.0  # motion that scores 63% of the motion part
CUT_NEAR_SECONDS = 0.3
WEIGHTS = {"motion": 0.45, "exposure": 0.25, "contrast": 0.15, "cut": 0.15}
SPEECH_WEIGHT = 0.4  # the share of speech density in the score of a window where someone speaks
FULL_DENSITY = 0.6  # words covering this share of a window count as dense speech
MAX_HOOK_POINTS = 25.0


@dataclass(frozen=True)
class _Sample:
    t: float
    motion: float | None  # None next to a cut, where the change is the cut itself
    yavg: float
    contrast: float
    dark: bool

    @property
    def dead(self) -> bool:
        return self.dark or (self.motion is not None and self.motion < STATIC_MOTION)


@dataclass
class _Shot:
    number: int
    start: float
    end: float
    windows: list[ScoredSegment]

    @property
    def middle(self) -> float:
        return (self.windows[0].start + self.windows[-1].end) / 2


def _samples(scan: media.Scan) -> list[_Sample]:
    factor = media.REFERENCE_FPS / scan.fps
    near = max(1.0 / scan.fps, 0.05)
    samples = []
    for index, frame in enumerate(scan.frames):
        at_cut = index == 0 or any(abs(frame.t - cut) <= near for cut in scan.cuts)
        samples.append(
            _Sample(
                t=frame.t,
                motion=None if at_cut else frame.ydif * factor,
                yavg=frame.yavg,
                contrast=max(frame.yhigh - frame.ylow, 0.0),
                dark=frame.yhigh < DARK_YHIGH,
            )
        )
    return samples


def _alive_parts(
    start: float, end: float, samples: list[_Sample], step: float, spoken: Spoken | None = None
) -> list[tuple[float, float]]:
    """The shot [start, end) minus its dead stretches. A still picture while someone speaks
    (a presenter at a desk) is not dead."""
    inside = [s for s in samples if start <= s.t < end and s.motion is not None] or [
        s for s in samples if start <= s.t < end
    ]
    removed: list[tuple[float, float]] = []
    run: list[_Sample] = []
    for index, sample in enumerate([*inside, None]):
        if sample is not None and sample.dead:
            run.append(sample)
            continue
        if run:
            at_start, at_end = run[0] is inside[0], index == len(inside)
            # A fade from or to black goes whatever its length; stillness only when it lasts
            # (real footage dips below the threshold for a sample here and there).
            fade = (at_start or at_end) and all(s.dark for s in run)
            talking = (
                spoken is not None
                and not all(s.dark for s in run)
                and _speech_in(spoken, run[0].t, run[-1].t + step) > 0
            )
            if not talking and (fade or len(run) * step >= MIN_DEAD_SECONDS):
                removed.append((start if at_start else run[0].t, end if at_end else run[-1].t + step))
        run = []
    parts, cursor = [], start
    for r_start, r_end in removed:
        if r_start > cursor:
            parts.append((cursor, r_start))
        cursor = max(cursor, r_end)
    if cursor < end:
        parts.append((cursor, end))
    return [(a, b) for a, b in parts if b - a >= MIN_SHOT_SECONDS]


def _windows(start: float, end: float) -> list[tuple[float, float]]:
    length = end - start
    count = 1 if length <= MAX_WINDOW_SECONDS else math.ceil(length / TARGET_WINDOW_SECONDS)
    size = length / count
    return [(start + i * size, end if i == count - 1 else start + (i + 1) * size) for i in range(count)]


def _exposure(yavg: float) -> float:
    """1 for a well-lit picture, falling to 0 at black (16) and at white (235)."""
    if yavg < 60:
        return max((yavg - 16) / 44, 0.0)
    if yavg > 190:
        return max((235 - yavg) / 45, 0.0)
    return 1.0


def _describe(shot: int, motion: float, yavg: float, at_cut: bool) -> tuple[str, tuple[str, ...]]:
    tags = []
    if motion >= 1.5:
        tags.append("motion")
        movement = "lively motion"
    elif motion < 0.5:
        tags.append("static")
        movement = "little movement"
    else:
        movement = "gentle motion"
    if yavg >= 170:
        tags.append("bright")
        light = "bright"
    elif yavg < 60:
        tags.append("dark")
        light = "dark"
    else:
        light = "well lit"
    if at_cut:
        tags.append("shot-start")
    return f"Shot {shot}: {movement}, {light}" + (", starts on a cut" if at_cut else ""), tuple(tags)


def _score_window(start: float, end: float, shot: int, samples: list[_Sample], cuts: list[float]) -> ScoredSegment:
    inside = [s for s in samples if start <= s.t < end] or [min(samples, key=lambda s: abs(s.t - start))]
    moving = [s.motion for s in inside if s.motion is not None]
    motion = sum(moving) / len(moving) if moving else 0.0
    yavg = sum(s.yavg for s in inside) / len(inside)
    contrast = sum(s.contrast for s in inside) / len(inside)
    distance = min((abs(start - cut) for cut in cuts), default=math.inf)
    parts = {
        "motion": 1 - math.exp(-motion / MOTION_SCALE),
        "exposure": _exposure(yavg),
        "contrast": min(contrast / 128, 1.0),
        "cut": math.exp(-distance / 3.0),
    }
    # Black frames left inside a window (a short fade) make it worse than its motion says.
    dark_share = sum(s.dark for s in inside) / len(inside)
    score = 100 * sum(WEIGHTS[k] * v for k, v in parts.items()) * (1 - 0.7 * dark_share)
    description, tags = _describe(shot, motion, yavg, distance <= CUT_NEAR_SECONDS)
    return ScoredSegment(round(start, 3), round(end, 3), round(score, 1), description, tags)


def _drop_duplicates(shots: list[_Shot], scan: media.Scan, notes: list[str]) -> list[_Shot]:
    """Of shots showing the same picture, keep the best scored (the earliest on a tie)."""
    ranked = sorted(shots, key=lambda s: (-sum(w.score for w in s.windows) / len(s.windows), s.start))
    kept: list[tuple[_Shot, bytes | None]] = []
    for shot in ranked:
        thumb = scan.thumb_at(shot.middle)
        twin = next(
            (
                k
                for k, k_thumb in kept
                if thumb and k_thumb and media.thumb_distance(thumb, k_thumb) < DUPLICATE_DISTANCE
            ),
            None,
        )
        if twin is None:
            kept.append((shot, thumb))
        else:
            notes.append(
                f"dropped shot {shot.number} ({shot.start:.1f}-{shot.end:.1f} s): "
                f"a near-duplicate of shot {twin.number} ({twin.start:.1f}-{twin.end:.1f} s)"
            )
    return [shot for shot, _ in kept]


def _speech_in(spoken: Spoken, start: float, end: float) -> float:
    """Seconds of [start, end) covered by words."""
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in spoken.words)


def _with_speech(window: ScoredSegment, spoken: Spoken, context: frozenset[str]) -> ScoredSegment:
    """A window's score with what is said in it: speech density beside the picture, plus the
    hooks of the sentences heard in it (the product's keywords, questions, numbers)."""
    density = _speech_in(spoken, window.start, window.end) / max(window.length, 1e-6)
    if density <= 0:
        return window
    points, tags = 0.0, ["speech"]
    heard = [text for text, a, b in spoken.sentences if a < window.end and window.start < b]
    for text in heard:
        found, why = keywords.sentence_hooks(text, context)
        points += found
        tags += [t for t in why if t not in tags]
    speech = 100 * min(density / FULL_DENSITY, 1.0)
    score = (1 - SPEECH_WEIGHT) * window.score + SPEECH_WEIGHT * speech + min(points, MAX_HOOK_POINTS)
    said = " ".join(heard)[:120]
    description = window.description + (f', speech: "{said}"' if said else ", speech")
    return ScoredSegment(
        window.start, window.end, round(min(score, 100.0), 1), description, tuple(dict.fromkeys([*window.tags, *tags]))
    )


def segments_from_scan(
    scan: media.Scan, duration: float, spoken: Spoken | None = None, context_text: str = ""
) -> tuple[list[ScoredSegment], list[str]]:
    """Scored windows of the usable footage, and notes on what was left out. With `spoken`
    (the transcript), windows where someone speaks are scored on that too."""
    notes = [f"{len(scan.cuts)} shot change(s) found"]
    samples = _samples(scan)
    if not samples:
        return [], [*notes, "no frames could be decoded"]
    step = 1.0 / scan.fps
    bounds = [0.0, *(c for c in scan.cuts if 0 < c < duration), duration]
    shots: list[_Shot] = []
    usable = 0.0
    context = keywords.context_words(context_text)
    for number, (start, end) in enumerate(itertools.pairwise(bounds), start=1):
        for a, b in _alive_parts(start, end, samples, step, spoken):
            usable += b - a
            windows = [_score_window(w_start, w_end, number, samples, scan.cuts) for w_start, w_end in _windows(a, b)]
            if spoken is not None and spoken.words:
                windows = [_with_speech(w, spoken, context) for w in windows]
            shots.append(_Shot(number=number, start=a, end=b, windows=windows))
    if duration - usable >= MIN_DEAD_SECONDS:
        notes.append(f"left out {duration - usable:.1f} s of dark, frozen or very short footage")
    shots = _drop_duplicates(shots, scan, notes)
    segments = normalize_segments([w for shot in shots for w in shot.windows], duration)
    if not segments:
        notes.append("no usable footage found: the video is dark or static throughout")
    return segments, notes


class LocalAnalysisProvider:
    name = "local"

    def analyze(
        self,
        *,
        video_path: Path,
        duration: float,
        workdir: Path,
        context_text: str = "",
        job_id: uuid.UUID | str | None = None,
        on_progress: Callable[[float], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
        spoken: Spoken | None = None,
    ) -> Analysis:
        if not duration or duration <= 0:
            raise AnalysisError("the video's duration is unknown; probe it before analysing")
        workdir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="analysis-local-", dir=workdir))
        try:
            scan = media.scan_video(
                video_path,
                scratch,
                duration=duration,
                on_progress=(lambda f: on_progress(0.95 * f)) if on_progress else None,
                should_cancel=should_cancel,
            )
        except ff.Cancelled:
            raise
        except ff.MediaError as exc:
            raise AnalysisError(f"local analysis failed: {exc}", retryable=isinstance(exc, ff.MediaTimeout)) from exc
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        segments, notes = segments_from_scan(scan, duration, spoken, context_text)
        if spoken is not None and spoken.words:
            notes.append(f"scored speech too: {len(spoken.sentences)} sentence(s) heard")
        usage = {"frames": len(scan.frames), "seconds": round(duration, 3)}
        # Free, but recorded: the ledger shows what ran. Outside a profile scope (a shell, a
        # benchmark) there is no ledger to write to.
        if current_profile() is not None:
            cost_entry_record(provider="local", model=MODEL, operation="analysis", units=usage, job_id=job_id)
        if on_progress:
            on_progress(1.0)
        return Analysis(provider=self.name, model=MODEL, segments=segments, usage=usage, notes=notes)
