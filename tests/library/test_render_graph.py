"""The render graph on awkward cut lists: a looped list repeats pieces, silent sources need silence."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from library.media import ffmpeg as ff
from library.media.graphs.encode import Encoding
from library.media.graphs.pieces import Piece
from library.media.render import RenderSpec, render_graph
from tests.media import make_video

SMALL = Encoding(width=180, height=320, fps=15, preset="ultrafast")


def _duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return float(out.stdout)


def test_repeated_and_silent_pieces_render(tmp_path: Path) -> None:
    loud = make_video(tmp_path / "loud.mp4", seconds=3, size="320x240")
    quiet = make_video(tmp_path / "quiet.mp4", seconds=3, size="240x320", audio=False)
    pieces = [
        Piece(loud, 0, 1),
        Piece(loud, 0, 1),
        Piece(quiet, 0, 1, False),
        Piece(quiet, 1, 2, False),
        Piece(loud, 0, 1),
    ]
    spec = RenderSpec(pieces=pieces, output=tmp_path / "out.mp4", encoding=SMALL, thumbnail=tmp_path / "t.jpg")
    ff.run(render_graph(spec), timeout=120)
    assert _duration(spec.output) == pytest.approx(5.0, abs=0.1)
    assert spec.thumbnail.stat().st_size > 0


def test_an_empty_cut_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render_graph(RenderSpec(pieces=[], output=tmp_path / "x.mp4"))
