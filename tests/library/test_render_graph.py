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


def _ramp(path: Path, *, seconds: float, rate: int) -> Path:
    """A grey picture whose luma grows 30 a second (its timing can be read off a frame)."""
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"nullsrc=s=160x120:r={rate}:d={seconds},geq=lum='16+30*T':cb=128:cr=128", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)], check=True, timeout=60)  # fmt: skip
    return path


def _centre_luma(path: Path, at: float) -> float:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{at}", "-i", str(path), "-frames:v", "1", "-vf",
                          "crop=20:20,format=gray", "-f", "rawvideo", "-"], capture_output=True, check=True).stdout  # fmt: skip
    return sum(raw) / len(raw)


def _frames(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(path)], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return int(out.stdout)


@pytest.mark.parametrize("rate", [12, 60])
def test_close_pieces_of_a_file_are_decoded_once_and_composited_at_the_source_rate(tmp_path: Path, rate: int) -> None:
    source = _ramp(tmp_path / "ramp.mp4", seconds=6, rate=rate)
    pieces = [Piece(source, 0, 2, has_audio=False), Piece(source, 3, 5, has_audio=False)]
    spec = RenderSpec(pieces=pieces, output=tmp_path / "out.mp4", encoding=SMALL)
    args = ff.compile_args(render_graph(spec))
    graph = args[args.index("-filter_complex") + 1]
    assert args.count(str(source)) == 1  # one decode of the file: split and trimmed, not one input per piece
    # The pad is composited before the rate changes (a 12 fps source: 12 frames a second composited,
    # not 15); a 60 fps source loses its surplus frames first (select), never composited at 60.
    assert graph.index("overlay") < graph.index("fps=15") and graph.index("select") < graph.index("overlay")
    ff.run(render_graph(spec), timeout=120)
    assert _frames(spec.output) == 60  # 2 x 2 s at 15 fps: no frame lost at the pieces' ends
    # Each piece shows its own stretch of the file: full-range grey 30 x 255/219 a second (t: the
    # source's time).
    assert _centre_luma(spec.output, 1.0) == pytest.approx(35 * 1.0, abs=4)
    assert _centre_luma(spec.output, 3.0) == pytest.approx(35 * 4.0, abs=4)
