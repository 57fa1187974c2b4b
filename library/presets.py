"""Export presets: the built-in ones (H.264 high, yuv420p, AAC, +faststart, -14 LUFS) and the
lookup that also finds a profile's own."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from library.media.graphs.encode import Encoding
from library.media.layout import SafeArea
from library.models.presets import BUILT_IN_NAMES, PAD_DARKEN, SAFE_DEFAULTS


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    width: int = 1080
    height: int = 1920
    fps: int = 30
    crf: int = 21
    speed: str = "veryfast"
    max_bitrate: str = ""
    audio_bitrate: str = "128k"
    loudness: float = -14.0
    built_in: bool = True
    # Per cent of the frame the platform covers at each edge (see ExportPreset.safe_*).
    safe_top: float = SAFE_DEFAULTS["top"]
    safe_bottom: float = SAFE_DEFAULTS["bottom"]
    safe_left: float = SAFE_DEFAULTS["left"]
    safe_right: float = SAFE_DEFAULTS["right"]
    pad_darken: float = PAD_DARKEN

    def safe_area(self) -> SafeArea:
        return SafeArea(top=self.safe_top, bottom=self.safe_bottom, left=self.safe_left, right=self.safe_right)

    def encoding(self) -> Encoding:
        return Encoding(
            width=self.width, height=self.height, fps=self.fps, crf=self.crf, preset=self.speed,
            max_bitrate=self.max_bitrate or None, audio_bitrate=self.audio_bitrate,
        )  # fmt: skip

    def as_dict(self) -> dict:
        return asdict(self)


# fmt: off
BUILT_IN: dict[str, Preset] = {
    p.name: p
    for p in (
        # Safe areas: the share of each edge the app's own overlay covers on a phone (name, description
        # and progress bar at the bottom, the button column on the right, the tabs at the top).
        Preset(
            "instagram_reels", "Instagram Reels: 1080x1920, 30 fps, up to 8 Mb/s", max_bitrate="8M",
            safe_top=12, safe_bottom=22, safe_left=5, safe_right=12,
        ),
        Preset(
            "tiktok", "TikTok: 1080x1920, 30 fps, up to 10 Mb/s", max_bitrate="10M",
            safe_top=8, safe_bottom=20, safe_left=5, safe_right=13,
        ),
        Preset(
            "youtube_shorts", "YouTube Shorts: 1080x1920, 30 fps, up to 12 Mb/s", crf=20, max_bitrate="12M",
            audio_bitrate="192k", safe_top=8, safe_bottom=24, safe_left=5, safe_right=13,
        ),
    )
}
# fmt: on


if set(BUILT_IN) != BUILT_IN_NAMES:  # the model refuses these names for a profile's own presets
    raise RuntimeError("library.models.presets.BUILT_IN_NAMES must list the built-in presets")


def preset_get(name: str) -> Preset | None:
    """A built-in preset, or the current profile's own of that name."""
    if name in BUILT_IN:
        return BUILT_IN[name]
    from library.models import ExportPreset

    own = ExportPreset.objects.filter(name=name).first()
    if own is None:
        return None
    return Preset(
        name=own.name, description=own.description, width=own.width, height=own.height, fps=own.fps, crf=own.crf,
        speed=own.speed, max_bitrate=own.max_bitrate, audio_bitrate=own.audio_bitrate, loudness=own.loudness,
        built_in=False, safe_top=own.safe_top, safe_bottom=own.safe_bottom, safe_left=own.safe_left,
        safe_right=own.safe_right, pad_darken=own.pad_darken,
    )  # fmt: skip
