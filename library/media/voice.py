"""Where people speak in a soundtrack: WebRTC's voice-activity detector over 16 kHz mono PCM,
with the stationary (tonal) part of the sound removed first and the frame decisions smoothed.

Why the extra step: WebRTC's VAD is a small GMM over band energies and happily calls a steady
tone, hum or sustained chord "speech". ffmpeg decodes the audio through an adaptive line
enhancer (an NLMS predictor fed with a delayed copy of the signal, `anlms`): what is predictable
from 20 ms ago (tones, drones) is cancelled, what is not (speech) passes, so the VAD then sees
the voice alone. See editing.vad_pcm for the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import webrtcvad

SAMPLE_RATE = 16000
FRAME_MS = 30
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
FRAME_SECONDS = FRAME_MS / 1000


@dataclass(frozen=True)
class VadSettings:
    aggressiveness: int = 3  # 0..3: 3 rejects the most non-speech
    merge_gap: float = 0.35  # pauses shorter than this stay inside one interval (no pumping)
    min_speech: float = 0.15  # shorter blips are clicks, not words
    onset_pad: float = 0.06  # the VAD needs a frame or two to trigger: start that much earlier
    hangover: float = 0.0  # WebRTC's own hangover already holds the end of a word


@dataclass(frozen=True)
class Interval:
    start: float
    end: float

    def as_dict(self) -> dict[str, float]:
        return {"start": round(self.start, 3), "end": round(self.end, 3)}


def frame_decisions(pcm: bytes, *, aggressiveness: int = 3) -> list[bool]:
    """One speech / not-speech decision per 30 ms frame of 16-bit mono 16 kHz PCM."""
    vad = webrtcvad.Vad(aggressiveness)
    size = FRAME_SAMPLES * 2
    return [vad.is_speech(pcm[i : i + size], SAMPLE_RATE) for i in range(0, len(pcm) - size + 1, size)]


def smooth(flags: list[bool], *, duration: float, settings: VadSettings | None = None) -> list[Interval]:
    """Frame decisions -> speech intervals: runs of voiced frames, short pauses bridged, blips
    dropped, edges padded, clamped to [0, duration]."""
    settings = settings or VadSettings()
    runs: list[list[float]] = []
    start = None
    for index, voiced in enumerate([*flags, False]):
        if voiced and start is None:
            start = index
        elif not voiced and start is not None:
            runs.append([start * FRAME_SECONDS, index * FRAME_SECONDS])
            start = None
    merged: list[list[float]] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < settings.merge_gap:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return [
        Interval(max(0.0, a - settings.onset_pad), min(duration, b + settings.hangover))
        for a, b in merged
        if b - a >= settings.min_speech
    ]


def detect_speech(pcm_path: Path, *, settings: VadSettings | None = None) -> list[Interval]:
    """Speech intervals of a raw PCM file written by editing.vad_pcm, read frame by frame (an
    hour of audio is 115 MB of PCM: never held in memory at once)."""
    settings = settings or VadSettings()
    vad = webrtcvad.Vad(settings.aggressiveness)
    size = FRAME_SAMPLES * 2
    flags: list[bool] = []
    with pcm_path.open("rb") as pcm:
        while len(frame := pcm.read(size)) == size:
            flags.append(vad.is_speech(frame, SAMPLE_RATE))
    duration = pcm_path.stat().st_size / 2 / SAMPLE_RATE
    return smooth(flags, duration=duration, settings=settings)


def merge_intervals(intervals: list[Interval], *, min_gap: float = 0.0) -> list[Interval]:
    """Sorted, with overlaps (and gaps under `min_gap`) joined."""
    merged: list[Interval] = []
    for item in sorted(intervals, key=lambda i: i.start):
        if merged and item.start - merged[-1].end <= min_gap:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, item.end))
        else:
            merged.append(item)
    return merged
