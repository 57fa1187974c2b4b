"""Any picture into a width x height frame (the 9:16 reframe of renders and title cards)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import ffmpeg

from library.media.graphs.follow import Window, follow

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

# pad: centred over a blurred copy of itself; crop: scaled to cover and cropped; letterbox:
# centred on black (the concat tool joins pieces of different sizes without a look of its own).
Mode = Literal["pad", "crop", "letterbox"]
MODES: tuple[Mode, ...] = ("pad", "crop", "letterbox")
# The pad layout's blurred background loses this share of its brightness (an export preset's
# pad_darken sets its own): the footage band then stands out from its own blurred copy.
PAD_DARKEN = 0.4


def reframe(
    stream: Stream,
    *,
    width: int,
    height: int,
    mode: str = "pad",
    window: Window | None = None,
    darken: float = PAD_DARKEN,
) -> Stream:
    """`stream` scaled into width x height by `mode` (see Mode), with square pixels; with a
    `window` (layouts track and split), the window's moving crop instead (see follow). `darken`:
    the share of brightness the pad background loses."""
    if window is not None:
        return follow(stream, window, width=width, height=height).filter("setsar", 1)
    if mode == "crop":
        framed = stream.filter("scale", width, height, force_original_aspect_ratio="increase").filter(
            "crop", width, height
        )
    elif mode == "letterbox":
        framed = stream.filter(
            "scale", width, height, force_original_aspect_ratio="decrease", force_divisible_by=2
        ).filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2", color="black")
    elif mode == "pad":
        split = stream.filter_multi_output("split")
        # Blur at quarter size and scale back up: the same look for a fraction of the work. The
        # frame's shape is cut out first (a crop costs nothing), so only what shows is scaled
        # down; the way back up is bilinear (bicubic's sharper edges are lost in a blur anyway).
        small_w, small_h = width // 4, height // 4
        background = (
            split[1]
            .filter("crop", f"trunc(min(iw,ih*{small_w}/{small_h})/2)*2", f"trunc(min(ih,iw*{small_h}/{small_w})/2)*2")
            .filter("scale", small_w, small_h)
            .filter("boxblur", 10, 2)
            # Luma scaled towards video black (16), at quarter size where it costs nothing.
            .filter("lutyuv", y=f"16+(val-16)*{1 - min(max(darken, 0.0), 0.9):.3f}")
            .filter("scale", width, height, flags="bilinear")
        )
        foreground = split[0].filter("scale", width, height, force_original_aspect_ratio="decrease")
        framed = ffmpeg.overlay(background, foreground, x="(W-w)/2", y="(H-h)/2")
    else:
        raise ValueError(f"unknown reframe mode {mode!r}")
    return framed.filter("setsar", 1)
