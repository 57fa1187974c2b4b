"""A voice over the original sound: the one ducking, used by the final render and the tools."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ffmpeg

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


def duck(original: Stream, voice: Stream, *, depth_db: float | None = None) -> Stream:
    """`original` turned down while `voice` (used only as the key) sounds. Without `depth_db`
    the dip follows the voice's level (the final render's ducking)."""
    if depth_db is None:
        return ffmpeg.filter([original, voice], "sidechaincompress", **DUCK)
    gain = 10 ** (min(depth_db, 0.0) / 20)
    return ffmpeg.filter([original, voice], "sidechaincompress", **DEEP, mix=f"{1 - gain:.6f}")


def voice_over(
    original: Stream | None, voice: Stream, *, original_audio: str = "duck", depth_db: float | None = None
) -> Stream:
    """`voice` mixed over `original` (both stereo at one rate), as long as `original`: ducked
    under it (see duck), muted (the voice alone, padded), or kept at full level."""
    if original is None:
        return voice
    if original_audio == "mute":
        return voice.filter("apad")
    if original_audio == "keep":
        return ffmpeg.filter([original, voice], "amix", inputs=2, duration="first", normalize=0)
    split = voice.filter_multi_output("asplit")
    ducked = duck(original, split[1], depth_db=depth_db)
    return ffmpeg.filter([ducked, split[0]], "amix", inputs=2, duration="first", normalize=0)
