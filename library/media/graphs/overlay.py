"""What the brand kit adds to the final render's one graph: the opening hook (an .ass file drawn
by libass), intro and outro title cards joined before and after the clip, and the logo as a
watermark over all of it. Boxes come from library.media.composition, so nothing overlaps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import ffmpeg

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

CARD_FADE = 0.3  # the card's text fades in and out over this many seconds


@dataclass(frozen=True)
class Logo:
    """A PNG drawn at (x, y), scaled to w x h, at `opacity`."""

    path: Path
    x: int
    y: int
    w: int
    h: int
    opacity: float = 1.0


@dataclass(frozen=True)
class CardText:
    """One drawtext of a card (library.media.titles lays them out): the text is read from a file
    (no escaping of user text), x is an ffmpeg expression, the baseline in pixels."""

    textfile: Path
    fontfile: str
    size: int
    x: str
    baseline: int
    color: str


@dataclass(frozen=True)
class Card:
    """A title card: `seconds` of `color` with its text, and a dimmed panel behind the text."""

    seconds: float
    color: str  # ffmpeg colour, e.g. 0x102040
    texts: tuple[CardText, ...] = ()
    panel: tuple[int, int, int, int] = (0, 0, 0, 0)


@dataclass(frozen=True)
class Brand:
    logo: Logo | None = None
    hook: Path | None = None  # the hook's .ass file
    intro: Card | None = None
    outro: Card | None = None
    fonts_dir: Path | None = None  # the brand font, for libass

    @property
    def card_seconds(self) -> float:
        return sum(card.seconds for card in (self.intro, self.outro) if card is not None)

    @property
    def intro_seconds(self) -> float:
        return self.intro.seconds if self.intro is not None else 0.0


def hook(video: Stream, ass: Path, *, fonts_dir: Path | None) -> Stream:
    # The ass filter with HarfBuzz shaping, as for captions: the subtitles filter leaves Indic and
    # Thai hooks unshaped.
    options = {"fontsdir": str(fonts_dir)} if fonts_dir else {}
    return video.filter("ass", str(ass), shaping="complex", **options)


def card(spec: Card, *, width: int, height: int, fps: float) -> Stream:
    """The card as a video stream of its own (joined by `with_cards`)."""
    video = ffmpeg.input(f"color=c={spec.color}:s={width}x{height}:r={fps:g}:d={spec.seconds:.3f}", f="lavfi").video
    x, y, w, h = spec.panel
    if w and h:
        video = video.filter("drawbox", x=x, y=y, w=w, h=h, color="black@0.25", t="fill")
    fade = max(min(CARD_FADE, spec.seconds / 4), 0.01)
    alpha = f"min(1,max(0,min(t/{fade:.3f},({spec.seconds:.3f}-t)/{fade:.3f})))"
    for text in spec.texts:
        video = video.drawtext(
            textfile=str(text.textfile), fontfile=text.fontfile, fontsize=text.size, fontcolor=text.color,
            x=text.x, y=f"{text.baseline}-ascent", expansion="none", alpha=alpha,
        )  # fmt: skip
    return video.filter("setsar", 1)


def with_cards(video: Stream, brand: Brand, *, length: float, width: int, height: int, fps: float) -> Stream:
    """The clip (cut to `length`) between its intro and outro cards."""
    if brand.intro is None and brand.outro is None:
        return video
    main = video.filter("trim", duration=f"{length:.3f}").filter("setpts", "PTS-STARTPTS")
    parts = [card(c, width=width, height=height, fps=fps) for c in (brand.intro,) if c is not None]
    parts.append(main)
    parts += [card(c, width=width, height=height, fps=fps) for c in (brand.outro,) if c is not None]
    return ffmpeg.concat(*parts, v=1, a=0)


def sound_with_cards(audio: Stream, brand: Brand, *, length: float) -> Stream:
    """The clip's sound (cut to `length`) with silence under the intro and outro cards."""
    if brand.intro is None and brand.outro is None:
        return audio
    audio = audio.filter("atrim", duration=f"{length:.3f}").filter("apad", whole_dur=f"{length:.3f}")
    if brand.intro is not None:
        audio = audio.filter("adelay", delays=round(brand.intro.seconds * 1000), all=1)
    return audio.filter("apad", whole_dur=f"{length + brand.card_seconds:.3f}")


def watermark(video: Stream, logo: Logo) -> Stream:
    """The logo over every frame (a still: overlay repeats its one frame), at its opacity."""
    mark = (
        ffmpeg.input(str(logo.path))
        .video.filter("scale", logo.w, logo.h)
        .filter("format", "rgba")
        .filter("colorchannelmixer", aa=f"{logo.opacity:.3f}")
    )
    return ffmpeg.overlay(video, mark, x=logo.x, y=logo.y, eof_action="repeat")
