"""A voice over the original sound and a music bed: the one ducking, used by the final render
and the tools."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import ffmpeg

from library.media.graphs.pieces import stereo

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

# The original dips whenever the voice speaks, and comes back in its pauses: a compressor on the
# original keyed by the voice. Fast attack (the first syllable is heard), slower release (no
# pumping between words).
DUCK = {"threshold": 0.015, "ratio": 12, "attack": 20, "release": 350}
# With an asked depth (the tools' duck_db) the same compressor is driven to the bottom: the key
# boosted 36 dB (level_sc) over the lowest threshold at the highest ratio, so the compressed
# original is near silence under any voice, and blended with the dry original (mix = 1 - gain):
# the dip is the depth asked (within 1 dB down to -40 dB) whatever the voice's level. The key
# then sits far above the threshold, so a shorter release brings the original back as quickly
# (about half a second after the voice).
DEEP = {"threshold": 0.000977, "ratio": 20, "attack": 20, "release": 150, "level_sc": 64}
# A music bed dips by a fixed depth while the voice speaks (the deep ducking: whatever the
# voice's level), and comes back more slowly than the tools' original so it does not pump
# between words. Under the voice it sits at the clip's `volume_db` (loudness.py sets its gain).
BED_DUCK_DB = -12.0
BED_RELEASE_MS = 250  # with the key boosted, back about 0.8 s after the voice stops
BED_FADE_SECONDS = 1.0  # fade in at the start, out at the end (at most a quarter of the clip each)


def duck(original: Stream, voice: Stream, *, depth_db: float | None = None, release_ms: float | None = None) -> Stream:
    """`original` turned down while `voice` (used only as the key) sounds. Without `depth_db`
    the dip follows the voice's level (the final render's ducking)."""
    if depth_db is None:
        return ffmpeg.filter([original, voice], "sidechaincompress", **DUCK)
    gain = 10 ** (min(depth_db, 0.0) / 20)
    deep = DEEP if release_ms is None else {**DEEP, "release": release_ms}
    return ffmpeg.filter([original, voice], "sidechaincompress", **deep, mix=f"{1 - gain:.6f}")


def music_bed(
    path: Path, *, length: float, gain_db: float, sample_rate: int, channels: int = 2, fade: float = BED_FADE_SECONDS
) -> Stream:
    """The track at `path` looped (or cut) to `length` seconds, at `gain_db`, faded in and out."""
    fade = min(fade, length / 4)
    source = ffmpeg.input(str(path), stream_loop=-1, t=f"{length:.3f}").audio
    return (
        stereo(source, sample_rate=sample_rate, channels=1 if channels == 1 else 2)
        .filter("volume", f"{gain_db:.2f}dB")
        .filter("afade", t="in", d=f"{fade:.3f}")
        .filter("afade", t="out", st=f"{length - fade:.3f}", d=f"{fade:.3f}")
    )


def voice_over(
    original: Stream | None,
    voice: Stream,
    *,
    original_audio: str = "duck",
    depth_db: float | None = None,
    bed: Stream | None = None,
) -> Stream:
    """`voice` mixed over `original` (both stereo at one rate), as long as `original`: ducked
    under it (see duck), muted (the voice alone, padded), or kept at full level. A music `bed`
    (see music_bed) goes under both, BED_DUCK_DB down while the voice speaks."""
    if bed is not None:
        keyed = voice.filter_multi_output("asplit")
        voice, bed = keyed[0], duck(bed, keyed[1], depth_db=BED_DUCK_DB, release_ms=BED_RELEASE_MS)
        mixed = voice_over(original, voice, original_audio=original_audio, depth_db=depth_db)
        ends = "first" if original is not None else "longest"
        return ffmpeg.filter([mixed, bed], "amix", inputs=2, duration=ends, normalize=0)
    if original is None:
        return voice
    if original_audio == "mute":
        return voice.filter("apad")
    if original_audio == "keep":
        return ffmpeg.filter([original, voice], "amix", inputs=2, duration="first", normalize=0)
    split = voice.filter_multi_output("asplit")
    ducked = duck(original, split[1], depth_db=depth_db)
    return ffmpeg.filter([ducked, split[0]], "amix", inputs=2, duration="first", normalize=0)
