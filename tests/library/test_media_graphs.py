"""The media graph library (library.media.graphs): the final render, the raw variants, the tools,
title cards and the Postiz remux share one reframe, one concat graph, one ducking, one set of
encode options built from the export preset, and one ffprobe module."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import ffmpeg
import pytest

from library.media import builders, editing
from library.media import ffmpeg as ff
from library.media.graphs.encode import Encoding, output_options
from library.media.graphs.pieces import Piece
from library.media.render import RenderSpec, render_graph
from library.presets import BUILT_IN
from publishing.services.submit import _encoding
from tests.library.tools_support import FFMPEG, mean_volume

REELS = BUILT_IN["instagram_reels"].encoding()
SRC, VOICE = Path("/in/source.mp4"), Path("/in/voice.wav")


def _args(stream: Any) -> str:
    return " ".join(ffmpeg.compile(stream, cmd="ffmpeg"))


def _filters(stream: Any) -> str:
    args = ffmpeg.compile(stream, cmd="ffmpeg")
    return args[args.index("-filter_complex") + 1]


def _blur_chain(filters: str) -> list[str]:
    """The filters of the blurred-pad background, without their stream labels."""
    steps = [re.sub(r"\[s\d+\]|\[\d+:v\]", "", f) for f in filters.split(";")]
    start = next(n for n, step in enumerate(steps) if step.startswith("split"))
    return steps[start : start + 7]


def test_a_title_card_is_reframed_like_the_final_render() -> None:
    size = Encoding(width=720, height=1280)
    render = render_graph(RenderSpec(pieces=[Piece(SRC, 0, 2)], output=Path("/o.mp4"), encoding=size))
    card = editing.title_card(SRC, Path("/t.mp4"), draws=[], panel=(0, 0, 10, 10), start=0, end=1,
                              has_audio=True, size=(720, 1280))  # fmt: skip
    assert _blur_chain(_filters(card)) == _blur_chain(_filters(render))
    assert "boxblur=10:2" in _filters(card)


def test_every_h264_output_carries_the_same_options() -> None:
    """The final render, the raw variants, the tools, title cards, previews and the remux."""
    piece = Piece(SRC, 0, 2)
    outputs = {
        "render": render_graph(RenderSpec(pieces=[piece], output=Path("/o.mp4"), encoding=REELS)),
        "remux": builders.mp4(SRC, Path("/r.mp4"), encoding=REELS),
        "trim": editing.trim_encode(SRC, Path("/x.mp4"), start=0, duration=1, has_audio=True),
        "concat": editing.concat_filter([piece, piece], Path("/c.mp4"), width=320, height=240, fps=25),
        "title": editing.title_card(
            SRC, Path("/t.mp4"), draws=[], panel=(0, 0, 1, 1), start=0, end=1, has_audio=True
        ),  # fmt: skip
        "voiceover": editing.voiceover_mix(
            SRC, VOICE, Path("/v.mp4"), has_audio=True, duration=1, voice_duration=3, container="mp4", duck_db=-15
        ),  # fmt: skip
        "preview": builders.preview(SRC, Path("/p.mp4")),
    }
    for name, stream in outputs.items():
        args = _args(stream)
        for option in ("-vcodec libx264", "-profile:v high", "-pix_fmt yuv420p", "-movflags +faststart", "-acodec aac"):
            assert option in args, (name, option)


def test_the_postiz_remux_encodes_with_the_clips_preset() -> None:
    publication: Any = SimpleNamespace(clip=SimpleNamespace(render_info={"preset": "tiktok"}))
    assert _encoding(publication) == BUILT_IN["tiktok"].encoding()
    args = _args(builders.mp4(SRC, Path("/r.mp4"), encoding=_encoding(publication)))
    assert (
        "-maxrate 10M" in args and "-bufsize 20M" in args and "-crf 21" in args and "-r 30" in args and "-ac 2" in args
    )
    gone: Any = SimpleNamespace(clip=SimpleNamespace(render_info={}))
    assert _encoding(gone) == Encoding()
    assert output_options(Encoding())["crf"] == 23


def _bursts(path: Path) -> Path:
    """A 'voice': 0.8 s of tone, 1.4 s of silence, 0.8 s of tone."""
    level = "if(lt(t,0.8)+between(t,2.2,3.0),0.3,0)"
    subprocess.run([*FFMPEG, "-f", "lavfi", "-i", "sine=frequency=700:sample_rate=48000:duration=3", "-af",
                    f"volume='{level}':eval=frame", "-ac", "1", str(path)], check=True)  # fmt: skip
    return path


def _low_band(path: Path, start: float, end: float, folder: Path) -> float:
    """The original's level (a 300 Hz tone) alone: the voice (700 Hz) filtered out."""
    out = folder / f"band-{start}.wav"
    subprocess.run([*FFMPEG, "-i", str(path), "-af", "bandpass=f=300:width_type=q:w=8", str(out)], check=True)
    return mean_volume(out, start, end)


def test_a_voiceover_ducks_by_the_asked_depth_and_comes_back_in_the_voices_pauses(tmp_path: Path) -> None:
    """The final render's ducking (a compressor keyed by the voice): the original dips while the
    voice sounds and is back in its pauses (before, a volume ramp held it down from the
    voice's start to its end, pauses included)."""
    source = tmp_path / "source.mp4"
    subprocess.run([*FFMPEG, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4", "-f", "lavfi", "-i",
                    "sine=frequency=300:sample_rate=48000:duration=4", "-c:v", "libx264", "-c:a", "aac", "-shortest",
                    str(source)], check=True)  # fmt: skip
    out = tmp_path / "out.mp4"
    stream = editing.voiceover_mix(source, _bursts(tmp_path / "voice.wav"), out, has_audio=True, duration=4,
                                   voice_duration=3, container="mp4", duck_db=-20, channels=1)  # fmt: skip
    ff.run(stream, timeout=120)
    full = _low_band(source, 1.5, 2.1, tmp_path)
    assert _low_band(out, 0.3, 0.7, tmp_path) - full == pytest.approx(-20, abs=1.5)  # under the voice
    assert _low_band(out, 1.5, 2.1, tmp_path) - full == pytest.approx(0, abs=1.5)  # in its pause
    assert _low_band(out, 3.6, 3.95, tmp_path) - full == pytest.approx(0, abs=1.5)  # after it


def test_ffprobe_is_called_from_the_probe_module_only() -> None:
    library = Path(__file__).resolve().parents[2] / "library"
    callers = [p.relative_to(library).as_posix() for p in library.rglob("*.py") if "FFPROBE_BINARY" in p.read_text()]
    assert callers == ["media/probe.py"]
