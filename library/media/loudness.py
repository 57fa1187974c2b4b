"""Loudness exactly on target: the render's sound is mixed once, alone (no picture decoded), to
a file in the workspace and measured with ebur128; the gain that brings it to the preset's
target, checked through the same true-peak limiter, is what the one video pass applies to that
file (render.limited). loudnorm's one-pass mode only estimates as it goes (-14.6 for -14).

A music bed's level is set here too: while the voice speaks, `volume_db` under the voice's
measured loudness (in its pauses the bed comes up by the ducking's depth, mix.BED_DUCK_DB);
without a voice, `volume_db` under the target. Whatever the track's own mastering level.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ffmpeg

from library.media.graphs.mix import BED_DUCK_DB
from library.media.graphs.pieces import join, stereo
from library.media.render import TRUE_PEAK_CEILING, RenderSpec, limited, mix, output_length

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

MAX_GAIN_DB = 30.0  # a near-silent mix is not raised into a wall of noise
SILENT_LUFS = -70.0  # ebur128's floor: nothing to measure
SILENT_PEAK_DB = -120.0
TOLERANCE_LU = 0.05  # how close the measured mix must come (the AAC encode then takes about a tenth off)
MAX_STEPS = 4  # limiter measurements at most (usually two)
FIRST_SLOPE = 0.85  # loudness gained per dB of gain through the limiter, before it is measured
CEILING_DB = 20 * math.log10(TRUE_PEAK_CEILING)
_KEY = re.compile(r"^lavfi\.r128\.(I|true_peak|sample_peak)=(-?[\d.]+|-?inf|nan)$", re.MULTILINE)

Runner = Callable[["Stream"], object]  # runs an ffmpeg-python graph (the job's runner: cancel, timeout)


@dataclass(frozen=True)
class Measured:
    integrated: float  # LUFS
    peak: float  # dBTP (true peak), or dBFS where the meter read sample peaks

    def as_dict(self, peak: str = "true_peak") -> dict[str, float]:
        return {"integrated": round(self.integrated, 2), peak: round(self.peak, 2)}


def _meter(stream: Stream, metadata: Path, *, peak: str = "true") -> Stream:
    """`stream` through ebur128 to nowhere; the readings go to `metadata` (ffmpeg's own log
    stays at error level, so they travel as frame metadata). `peak` "sample" skips the 4x
    oversampling of true peaks where the limiter already holds them."""
    return (
        stream.filter("ebur128", peak=peak, metadata=1)
        .filter("ametadata", mode="print", file=str(metadata))
        .output("-", format="null")
    )


def read_meter(metadata: Path) -> Measured:
    """The integrated loudness (the last reading: ebur128's integration so far) and the
    highest true peak in a metadata file written by _meter."""
    text = metadata.read_text(errors="replace") if metadata.exists() else ""
    integrated, peak = SILENT_LUFS, 0.0
    for key, value in _KEY.findall(text):
        number = float(value)
        if key == "I":
            integrated = number if math.isfinite(number) else SILENT_LUFS
        elif math.isfinite(number):
            peak = max(peak, number)
    # Finite even for silence: the readings go into render_info (JSON, where -inf is not a number).
    return Measured(
        max(integrated, SILENT_LUFS), max(20 * math.log10(peak), SILENT_PEAK_DB) if peak > 0 else SILENT_PEAK_DB
    )


def _bed_gain(spec: RenderSpec, folder: Path, run: Runner, *, volume_db: float) -> float:
    """The music's gain: its loudness over the clip's length brought to `volume_db` under the
    voice's once ducked (both measured in one command), or under the target without a voice."""
    assert spec.music is not None
    length, rate = output_length(spec), spec.encoding.sample_rate
    music = ffmpeg.input(str(spec.music.path), stream_loop=-1, t=f"{length:.3f}").audio
    meters = [_meter(stereo(music, sample_rate=rate, channels=spec.music.channels), folder / "music.meter")]
    if spec.voice is not None:
        voice = stereo(ffmpeg.input(str(spec.voice)).audio, sample_rate=rate)
        meters.append(_meter(voice, folder / "voice.meter"))
    run(ffmpeg.merge_outputs(*meters))
    music_lufs = read_meter(folder / "music.meter").integrated
    reference = read_meter(folder / "voice.meter").integrated if spec.voice is not None else None
    if reference is not None and reference > SILENT_LUFS:
        reference -= BED_DUCK_DB  # the bed is ducked by this much whenever the voice speaks
    else:
        reference = spec.loudness if spec.loudness is not None else -14.0
    if music_lufs <= SILENT_LUFS:
        return 0.0
    return reference + volume_db - music_lufs


def loudness_pass(
    spec: RenderSpec, folder: Path, run: Runner, *, music_volume_db: float | None = None, measure: bool = True
) -> tuple[RenderSpec, dict[str, Any]]:
    """`spec` with its sound mixed to `folder`/mix.wav and the gain to its loudness target
    (render_graph then applies both), and what was measured. With `music_volume_db` the bed's
    gain is set first. Without a target, or without `measure` (a preview: render_graph's
    one-pass loudnorm then estimates the loudness), only the bed's gain is set."""
    info: dict[str, Any] = {}
    if spec.music is not None and music_volume_db is not None:
        gain = _bed_gain(spec, folder, run, volume_db=music_volume_db)
        spec = replace(spec, music=replace(spec.music, gain_db=gain))
        info["music_gain_db"] = round(gain, 2)
    if spec.loudness is None or not measure:
        return spec, info
    enc, length = spec.encoding, output_length(spec)
    _, sound = join(spec.pieces, width=enc.width, height=enc.height, fps=enc.fps, sample_rate=enc.sample_rate,
                    mode=spec.layout, streams="a")  # fmt: skip
    mixed = mix(spec, sound).filter("aresample", enc.sample_rate).filter_multi_output("asplit")
    premix = folder / "mix.wav"
    run(ffmpeg.merge_outputs(
        mixed[0].output(str(premix), acodec="pcm_f32le", t=f"{length:.3f}"),
        _meter(mixed[1].filter("atrim", duration=f"{length:.3f}"), folder / "mix.meter"),
    ))  # fmt: skip
    measured = read_meter(folder / "mix.meter")
    info["mix"] = measured.as_dict()
    if measured.integrated <= SILENT_LUFS:
        return replace(spec, premix=premix, gain_db=0.0), info
    gain, result, passes = _through_limiter(premix, folder, run, target=spec.loudness, measured=measured,
                                            sample_rate=enc.sample_rate)  # fmt: skip
    info.update(gain_db=round(gain, 2), limited=result.as_dict("sample_peak"), limiter_passes=passes)
    return replace(spec, premix=premix, gain_db=gain), info


def _through_limiter(
    premix: Path, folder: Path, run: Runner, *, target: float, measured: Measured, sample_rate: int
) -> tuple[float, Measured, int]:
    """The gain that brings `premix` to `target` through the limiter, what it measures then, and
    how many measuring passes it took.
    The limiter takes a little off the loudest moments (more, the higher the gain): measure
    through it and correct (secant steps) until within TOLERANCE_LU. The graph is deterministic,
    so the video pass gets exactly the last reading."""
    gain = min(target - measured.integrated, MAX_GAIN_DB)
    previous: tuple[float, float] | None = None
    result = measured
    for attempt in range(MAX_STEPS):
        meter = folder / f"out-{attempt}.meter"
        sound = limited(ffmpeg.input(str(premix)).audio, gain_db=gain, sample_rate=sample_rate)
        run(_meter(sound, meter, peak="sample"))
        result = read_meter(meter)
        error = target - result.integrated
        done = result.integrated <= SILENT_LUFS or abs(error) <= TOLERANCE_LU or gain >= MAX_GAIN_DB
        if done or attempt == MAX_STEPS - 1:  # the gain returned is always the one last measured
            break
        if previous is None and (second := _second_gain(measured, gain, result, target)) is not None:
            previous, gain = (gain, result.integrated), second
            continue
        slope = FIRST_SLOPE
        if previous is not None and gain != previous[0]:
            slope = min(max((result.integrated - previous[1]) / (gain - previous[0]), 0.3), 1.0)
        previous = (gain, result.integrated)
        gain = min(gain + error / slope, MAX_GAIN_DB)
    return gain, result, attempt + 1


def _second_gain(mix: Measured, gain: float, result: Measured, target: float) -> float | None:
    """The gain to measure second, from the first limiter reading, or None (then a secant step).
    What a limiter takes off the loudness grows about as the square of how far the peaks are
    pushed over its ceiling (excess x, dB): loss = c * x^2, c from the first reading. The gain
    whose loudness is on target then solves x - c x^2 = x0 (x0: the excess of the unlimited gain,
    which alone would reach the target). Usually within the tolerance at once: each reading is
    a pass over the whole sound (a secant step from a fixed slope often needs two more)."""
    excess = mix.peak + gain - CEILING_DB
    loss = target - result.integrated
    if excess <= 0.5 or loss <= 0 or result.integrated <= SILENT_LUFS:
        return None
    c = loss / excess**2
    x0 = target - mix.integrated + mix.peak - CEILING_DB  # the excess of the unlimited gain
    discriminant = 1 - 4 * c * x0
    if discriminant <= 0:  # the model cannot reach the target: leave it to the secant steps
        return None
    x = (1 - math.sqrt(discriminant)) / (2 * c)
    return min(x - mix.peak + CEILING_DB, MAX_GAIN_DB)
