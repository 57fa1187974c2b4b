"""Layouts that look at the footage (track, auto, split) and focus points, checked on the frames
the one-pass render makes from small footage made here (a bright square on 640x360).

Budget: the module's footage is made once (about 2 s); each render is a 240x426 preset, about
a second with the tracking pass."""

from __future__ import annotations

import dataclasses
import itertools
import math
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ffmpeg
import numpy as np
import pytest
from django.core.files.storage import default_storage

from library import storage
from library.media import ffmpeg as ff
from library.media.graphs.encode import Encoding
from library.media.graphs.follow import Window, keypoints, x_expression
from library.media.graphs.pieces import Piece
from library.media.render import RenderSpec, render_graph
from library.media.tracking import CropPath
from library.models import Clip, ClipStatus, Job, SourceVideo
from library.selection import Cut
from library.services import reframe
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.factories import ClipFactory, ExportPresetFactory, ProjectFactory, SourceVideoFactory
from tests.jobs import reload, run

needs_db = pytest.mark.django_db(transaction=True)  # the job runner works on committed rows
CLIPS = "/api/v1/library/clips/"
W, H, FPS = 640, 360, 30
OUT_W, OUT_H = 240, 426  # the tests' own preset: quick to encode, still 9:16
SIDE = 40  # the subject: a bright square, SIDE pixels
Y = 160


# --- footage -----------------------------------------------------------------------------------


def _texture(seed: int, level: int) -> np.ndarray:
    """A still, dark background with some detail (a real scene is never flat)."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 40, size=(H // 8, W // 8), dtype=np.uint8)
    return (np.kron(noise, np.ones((8, 8), dtype=np.uint8)) + level).astype(np.uint8)


def _encode(path: Path, frames: np.ndarray, *, width: int = W, height: int = H) -> Path:
    """Gray frames to an H.264 mp4 with a tone (the render mixes the original sound)."""
    seconds = len(frames) / FPS
    args = ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{width}x{height}",
            "-r", str(FPS), "-i", "pipe:0", "-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)]  # fmt: skip
    subprocess.run(args, input=frames.tobytes(), check=True, timeout=60)
    return path


def crossing_x(t: float) -> float:
    """The crossing subject's centre (share of the width): left to right in 5 s, still for a
    second, back to the middle in 2.5 s (0.12 widths a second)."""
    if t < 5.0:
        return 0.15 + 0.6 * t / 5.0
    if t < 6.0:
        return 0.75
    return 0.75 - 0.3 * min(t - 6.0, 2.5) / 2.5


def _square_frames(xs: list[float], background: Callable[[int], np.ndarray], width: int = W) -> np.ndarray:
    frames = []
    for n, x in enumerate(xs):
        frame = background(n).copy()
        left = round(x * width - SIDE / 2)
        frame[Y : Y + SIDE, max(left, 0) : left + SIDE] = 235
        frames.append(frame)
    return np.stack(frames)


@pytest.fixture(scope="module")
def footage(tmp_path_factory: Any) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reframe")
    still = _texture(1, 20)
    crossing = _square_frames([crossing_x(n / FPS) for n in range(int(8.5 * FPS))], lambda n: still)
    # Two shots: the subject on the left, then (another background) on the right.
    other = _texture(2, 90)
    shots = _square_frames(
        [0.2 + 0.05 * n / FPS if n < 2 * FPS else 0.9 - 0.05 * n / FPS for n in range(4 * FPS)],
        lambda n: still if n < 2 * FPS else other,
    )
    # A static scene: a left-to-right ramp (an output column's brightness tells its source x).
    ramp = np.tile(np.linspace(16, 235, W).astype(np.uint8), (H, 1))
    portrait = np.stack([np.full((W, H), 60, dtype=np.uint8)] * (2 * FPS))  # 360x640
    return {
        "crossing": _encode(folder / "crossing.mp4", crossing),
        "shots": _encode(folder / "shots.mp4", shots),
        "static": _encode(folder / "static.mp4", np.stack([ramp] * (4 * FPS))),
        "portrait": _encode(folder / "portrait.mp4", portrait, width=H, height=W),
    }


def _clip(profile: Any, path: Path, *, seconds: float, width: int = W, height: int = H, **fields: Any) -> Clip:
    """A clip of the whole of `path`, stored as a source video of `profile`."""
    video = SourceVideoFactory(
        profile=profile, file=storage.store_file(path, f"{profile.pk}/videos/{path.name}"), duration=seconds,
        width=width, height=height, fps=FPS, has_audio=True,
    )  # fmt: skip
    cut_list = [{"source_video": str(video.pk), "start": 0.0, "end": seconds}]
    project = ProjectFactory(profile=profile)
    clip: Clip = ClipFactory(profile=profile, project=project, cut_list=cut_list, duration=seconds, **fields)
    return clip


@pytest.fixture
def preset(cast: Any) -> str:
    name: str = ExportPresetFactory(profile=cast.store_a, name="small", width=OUT_W, height=OUT_H, fps=FPS).name
    return name


def _render(client: Any, clip: Clip, preset: str, **body: Any) -> Clip:
    response = client.post(f"{CLIPS}{clip.pk}/render/", {"preset": preset, **body}, format="json")
    assert response.status_code == 202, response.content
    assert run(response.json()["id"]) == "succeeded", reload(response.json()["id"]).error
    clip = Clip.all_objects.get(pk=clip.pk)
    assert clip.status == ClipStatus.FINAL
    return clip


def _frames(clip: Clip) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", default_storage.path(clip.final_file.name),
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(-1, OUT_H, OUT_W)


def _subject(frame: np.ndarray) -> tuple[int, float | None]:
    """(bright pixels, their mean column as a share of the output's width)."""
    columns = np.nonzero(frame > 180)[1]
    return len(columns), (float(columns.mean()) / OUT_W if len(columns) else None)


def _path_at(points: list[dict[str, float]], t: float) -> float:
    """render_info.track.points as the render applies them (linear, held at the ends)."""
    ts, xs = [p["t"] for p in points], [p["x"] for p in points]
    return float(np.interp(t, ts, xs))


# --- the graph ---------------------------------------------------------------------------------


def _evaluate(expression: str, t: float) -> float:
    return float(eval(expression, {"max": max, "gte": lambda a, b: float(a >= b), "t": t}))  # noqa: S307


def test_the_crop_expression_follows_its_keypoints_with_jumps_at_cuts() -> None:
    times = [n / 10 for n in range(61)]
    xs = [0.3 + 0.1 * math.sin(t) if t < 3.0 else 0.7 for t in times]
    keys = keypoints(times, xs, cuts=[3.0])
    assert len(keys) < 20, "reduced to a few keypoints"
    expression = x_expression(keys)
    assert len(expression) < 1000
    for t in times:
        assert abs(_evaluate(expression, t) - xs[times.index(t)]) <= 0.0025
    assert _evaluate(expression, 2.99) < 0.45 and _evaluate(expression, 3.0) == pytest.approx(0.7, abs=1e-4)


def test_a_window_moves_inside_the_one_pass_graph(footage: dict[str, Path], tmp_path: Path) -> None:
    """A window following the crossing subject's known position: the subject sits in the
    output's middle in every frame, and the whole render is one ffmpeg command."""
    times = [n / 10 for n in range(0, 41)]
    window = Window(keypoints(times, [crossing_x(t + 1.0) for t in times]))
    spec = RenderSpec(pieces=[Piece(footage["crossing"], 1.0, 5.0, window=window)], output=tmp_path / "o.mp4",
                      encoding=Encoding(width=OUT_W, height=OUT_H))  # fmt: skip
    args = ffmpeg.compile(render_graph(spec))
    assert sum(a.endswith(".mp4") for a in args) == 2  # one input, one output
    ffmpeg.run(render_graph(spec), quiet=True, overwrite_output=True)
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(spec.output), "-f", "rawvideo", "-pix_fmt",
                          "gray", "-"], capture_output=True, check=True).stdout  # fmt: skip
    frames = np.frombuffer(raw, np.uint8).reshape(-1, OUT_H, OUT_W)
    assert len(frames) == 4 * FPS
    centres = [_subject(f)[1] for f in frames]
    assert all(c is not None and abs(c - 0.5) < 0.04 for c in centres), centres


def test_a_looped_piece_may_be_framed_by_two_windows(footage: dict[str, Path], tmp_path: Path) -> None:
    """One range read once, shown twice: on the subject (left), then elsewhere (right)."""
    on, off = Window(((0.0, 0.2),)), Window(((0.0, 0.8),))
    pieces = [Piece(footage["crossing"], 0.0, 0.5, window=on), Piece(footage["crossing"], 0.0, 0.5, window=off)]
    spec = RenderSpec(pieces=pieces, output=tmp_path / "loop.mp4", encoding=Encoding(width=OUT_W, height=OUT_H))
    assert ffmpeg.compile(render_graph(spec)).count("-i") == 1
    ffmpeg.run(render_graph(spec), quiet=True, overwrite_output=True)
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(spec.output), "-f", "rawvideo", "-pix_fmt",
                          "gray", "-"], capture_output=True, check=True).stdout  # fmt: skip
    frames = np.frombuffer(raw, np.uint8).reshape(-1, OUT_H, OUT_W)
    assert _subject(frames[5])[0] > 500 and _subject(frames[FPS // 2 + 5])[0] == 0


# --- track -------------------------------------------------------------------------------------


@needs_db
def test_track_keeps_a_crossing_subject_in_the_picture(cast: Any, footage: dict[str, Path], preset: str) -> None:
    clip = _clip(cast.store_a, footage["crossing"], seconds=8.5, layout="track")
    clip = _render(api_client_for(cast.alice), clip, preset)
    info = clip.render_info
    assert info["layout"] == {"asked": "track", "used": "track", "reason": "asked for"}
    frames = _frames(clip)
    full = SIDE * SIDE * (OUT_H / H) ** 2
    seen = [_subject(f) for f in frames]
    visible = sum(count >= full / 2 for count, _ in seen) / len(frames)
    central = sum(x is not None and 0.2 <= x <= 0.8 for _, x in seen) / len(frames)
    print(f"track: subject visible in {visible:.1%} of frames, central 60 % in {central:.1%}")
    assert visible >= 0.95 and central >= 0.80
    # The window never moves more than 0.5 % of the source's width from one frame to the next.
    points = info["track"]["points"]
    path = [_path_at(points, n / FPS) for n in range(len(frames))]
    assert max(abs(b - a) for a, b in itertools.pairwise(path)) <= 0.005
    # And it is where the frames show it: the subject's position in the output follows from
    # the recorded path (the crop is 202 of 640 pixels wide here).
    share = 202 / W
    for n in range(0, len(frames), 15):
        left = min(max(path[n] - share / 2, 0.0), 1 - share)
        expected = (crossing_x(n / FPS) - left) / share
        if 0.1 < expected < 0.9 and seen[n][1] is not None:
            assert abs(seen[n][1] - expected) < 0.05, (n, seen[n][1], expected)
    assert info["track"]["pieces"][0]["subject"] in ("motion", "face")


@needs_db
def test_auto_tracks_a_moving_subject_jumping_at_a_cut_in_one_pass(
    cast: Any, footage: dict[str, Path], preset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[list[str]] = []
    real = ff.run

    def counting(stream: Any, **kwargs: Any) -> Any:
        runs.append(stream if isinstance(stream, list) else ff.compile_args(stream))
        return real(stream, **kwargs)

    monkeypatch.setattr(ff, "run", counting)
    clip = _render(api_client_for(cast.alice), _clip(cast.store_a, footage["shots"], seconds=4.0, layout="auto"),
                   preset)  # fmt: skip
    layout = clip.render_info["layout"]
    assert layout["used"] == "track" and "moving subject" in layout["reason"], layout
    # One pass: the tracker's decode writes raw frames; the one video file is the final.
    encodes = [args for args in runs if any(a.endswith(".mp4") and args[n - 1] != "-i" for n, a in enumerate(args))]
    assert len(encodes) == 1 and any(a.endswith("final.mp4") for a in encodes[0]), encodes
    track = clip.render_info["track"]
    assert any(abs(c - 2.0) < 0.1 for c in track["cuts"]), track["cuts"]
    before, after = _path_at(track["points"], 1.9), _path_at(track["points"], 2.1)
    assert before < 0.35 and after > 0.65, (before, after)
    frames = _frames(clip)
    # The subject is in the picture right after the cut (a pan would lose it for a second).
    for n in (2 * FPS + 2, 2 * FPS + 5, 2 * FPS + 10):
        count, x = _subject(frames[n])
        assert count > 500 and x is not None and 0.2 < x < 0.8, (n, count, x)


@needs_db
def test_auto_pads_a_static_scene_and_a_re_render_may_change_the_layout(
    cast: Any, footage: dict[str, Path], preset: str
) -> None:
    client = api_client_for(cast.alice)
    clip = _render(client, _clip(cast.store_a, footage["static"], seconds=4.0, layout="auto"), preset)
    assert clip.render_info["layout"]["used"] == "pad"
    assert "no subject" in clip.render_info["layout"]["reason"]
    # Padded: the whole ramp is in the middle band, darkest left to brightest right.
    row = _frames(clip)[30][OUT_H // 2]
    assert row[OUT_W // 2 - 100] < 60 and row[OUT_W // 2 + 100] > 180
    clip = _render(client, clip, preset, layout="track")
    assert clip.layout == "track" and clip.render_info["layout"]["used"] == "track"
    row = _frames(clip)[30][OUT_H // 2]
    assert int(row[-1]) - int(row[0]) < 110, "a crop shows a third of the ramp, not all of it"
    assert (
        client.post(f"{CLIPS}{clip.pk}/render/", {"preset": preset, "layout": "zoom"}, format="json").status_code == 400
    )


@needs_db
def test_a_portrait_source_is_not_cropped_by_track(cast: Any, footage: dict[str, Path], preset: str) -> None:
    clip = _clip(cast.store_a, footage["portrait"], seconds=2.0, width=H, height=W, layout="track")
    clip = _render(api_client_for(cast.alice), clip, preset)
    layout = clip.render_info["layout"]
    assert layout["used"] == "pad" and "portrait" in layout["reason"]
    assert "track" not in clip.render_info


# --- focus -------------------------------------------------------------------------------------


def _centre_source_x(clip: Clip, frame: int) -> float:
    """The static ramp's source x at the output's centre column (its brightness)."""
    value = float(_frames(clip)[frame][OUT_H // 2, OUT_W // 2 - 2 : OUT_W // 2 + 2].mean())
    return (value - 16) / (235 - 16)


@needs_db
def test_focus_points_move_the_window_until_the_cut_list_changes(
    cast: Any, footage: dict[str, Path], preset: str
) -> None:
    client = api_client_for(cast.alice)
    clip = _clip(cast.store_a, footage["static"], seconds=4.0, layout="track")
    focus = [{"t": 0.0, "x": 0.25}, {"t": 0.4, "x": 0.25}, {"t": 3.0, "x": 0.6}]
    response = client.patch(f"{CLIPS}{clip.pk}/content/", {"focus": focus}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["focus"] == focus
    clip = _render(client, clip, preset)
    assert clip.render_info["layout"]["focus"] == "followed"
    assert clip.render_info["track"]["pieces"][0]["focus"] is True
    start, end = _centre_source_x(clip, 5), _centre_source_x(clip, 3 * FPS + 25)
    print(f"focus: window centre at {start:.3f} (asked 0.25), then {end:.3f} (asked 0.6)")
    assert abs(start - 0.25) < 0.05 and abs(end - 0.6) < 0.06
    # A new cut list: the points no longer say where anything is.
    with profile_scope(cast.store_a):
        Clip.objects.filter(pk=clip.pk).update(cut_list=[{**clip.cut_list[0], "start": 1.0}])
    assert client.get(f"{CLIPS}{clip.pk}/").json()["focus"] == []
    clip = _render(client, clip, preset)
    assert "cleared" in clip.render_info["layout"]["focus"] and clip.focus == {}
    assert clip.render_info["track"]["pieces"][0]["focus"] is False


@needs_db
def test_every_entry_point_takes_the_new_layouts(cast: Any, store: dict, settings: Any) -> None:
    settings.GEMINI_API_KEY = settings.ELEVENLABS_API_KEY = ""
    client = api_client_for(cast.alice)
    video, clip = store["video"], store["clip"]
    response = client.post("/api/v1/library/one-click/", {"source_video": str(video.pk)}, format="json")
    assert response.status_code == 202, response.content
    assert Job.all_objects.get(pk=response.json()["id"]).params["layout"] == "auto", "one-click's default"
    for layout in ("track", "auto", "split"):
        project = client.post("/api/v1/library/projects/", {"name": layout}, format="json").json()
        body = {"source_video": str(video.pk), "variant_count": 1, "target_duration": 2, "layout": layout}
        assert (
            client.post(f"/api/v1/library/projects/{project['id']}/generate/", body, format="json").status_code == 202
        )
        response = client.patch(f"{CLIPS}{clip.pk}/content/", {"layout": layout}, format="json")
        assert response.status_code == 200 and response.json()["layout"] == layout
    response = client.post(f"{CLIPS}{clip.pk}/render/", {"layout": "split"}, format="json")
    assert response.status_code == 202 and Job.all_objects.get(pk=response.json()["id"]).params["layout"] == "split"


@needs_db
def test_focus_needs_the_track_layout_and_points_within_range(cast: Any, store: dict) -> None:
    client = api_client_for(cast.alice)
    url = f"{CLIPS}{store['clip'].pk}/content/"
    point = {"t": 0.5, "x": 0.3}
    response = client.patch(url, {"focus": [point]}, format="json")
    assert response.status_code == 400 and "track" in str(response.json())
    for bad in ({"t": -1, "x": 0.3}, {"t": 0.5, "x": 1.5}, {"t": 0.5}, {"t": "soon", "x": 0.3}, {"t": 50, "x": 0.3}):
        response = client.patch(url, {"layout": "track", "focus": [bad]}, format="json")
        assert response.status_code == 400, bad
    assert client.patch(url, {"layout": "track", "focus": [point] * 201}, format="json").status_code == 400
    assert client.patch(url, {"layout": "auto", "focus": [point]}, format="json").status_code == 400
    response = client.patch(url, {"layout": "track", "focus": [point]}, format="json")
    assert response.status_code == 200 and response.json()["focus"] == [point]
    assert client.patch(url, {"focus": []}, format="json").json()["focus"] == []


# --- what render_info records without rendering ------------------------------------------------------


class _Inputs:
    """SourceInputs' shape for framing_plan, without a job."""

    def __init__(self, video: Any) -> None:
        self.videos = {str(video.pk): (Path("/in/source.mp4"), video)}
        self.ctx = type("Ctx", (), {"is_cancelled": staticmethod(lambda: False)})()

    def piece(self, cut: Any) -> Piece:
        return Piece(Path("/in/source.mp4"), cut.start, cut.end)


def test_a_big_enlargement_is_a_quality_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    path = CropPath(times=(0.0, 2.0), centres=(0.4, 0.6), cuts=(), subject="motion", confidence=0.9, zoom=5.3)
    monkeypatch.setattr(reframe, "crop_path_for", lambda **kwargs: path)
    for width, height, warned in ((640, 360, 5.33), (1920, 1080, None)):
        video = SourceVideo(width=width, height=height, duration=2.0)
        inputs: Any = _Inputs(video)
        framing = reframe.framing_plan(layout="track", cuts=[Cut(str(video.pk), 0.0, 2.0)], inputs=inputs,
                                       width=1080, height=1920)  # fmt: skip
        info = framing.info()
        assert [w["zoom"] for w in info.get("warnings", [])] == ([warned] if warned else [])
        assert info["track"]["points"][0] == {"t": 0.0, "x": 0.4}


# --- split -------------------------------------------------------------------------------------


def test_split_stacks_two_tracked_windows(footage: dict[str, Path], tmp_path: Path) -> None:
    """Two subjects far apart (the shots footage's second half has one at 0.8; a still one is
    added at 0.15): the top half follows the left one, the bottom half the right one."""
    still = _texture(3, 20)
    left, right = 0.15, 0.75
    frames = _square_frames([left] * FPS, lambda n: still)
    frames[:, Y : Y + SIDE, round(right * W - SIDE / 2) : round(right * W + SIDE / 2)] = 235
    source = _encode(tmp_path / "two.mp4", frames)
    window = Window(keypoints([0.0, 1.0], [left, left]), second=keypoints([0.0, 1.0], [right, right]))
    spec = RenderSpec(pieces=[Piece(source, 0.0, 1.0, window=window)], output=tmp_path / "split.mp4",
                      encoding=Encoding(width=OUT_W, height=OUT_H))  # fmt: skip
    ffmpeg.run(render_graph(spec), quiet=True, overwrite_output=True)
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(spec.output), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout  # fmt: skip
    frame = np.frombuffer(raw, np.uint8).reshape(OUT_H, OUT_W)
    top, bottom = _subject(frame[: OUT_H // 2]), _subject(frame[OUT_H // 2 :])
    # The left window is held at the frame's edge (0.15 is nearer than half a window).
    assert top[0] > 500 and top[1] is not None and top[1] < 0.5, top
    assert bottom[0] > 500 and bottom[1] is not None and abs(bottom[1] - 0.5) < 0.05, bottom


def test_split_needs_two_far_faces_most_of_the_time(monkeypatch: pytest.MonkeyPatch) -> None:
    faces = tuple((n / 4, 0.2, 0.8) for n in range(8))
    steady = CropPath(times=(0.0, 2.0), centres=(0.5, 0.5), cuts=(), subject="face", confidence=1.0, zoom=1.8,
                      faces=faces)  # fmt: skip
    video = SourceVideo(width=1920, height=1080, duration=2.0)
    inputs: Any = _Inputs(video)
    for path, used in ((steady, "split"), (dataclasses.replace(steady, faces=faces[:3]), "track")):
        monkeypatch.setattr(reframe, "crop_path_for", lambda path=path, **kwargs: path)
        framing = reframe.framing_plan(layout="split", cuts=[Cut(str(video.pk), 0.0, 2.0)], inputs=inputs,
                                       width=1080, height=1920)  # fmt: skip
        assert framing.layout["used"] == used, framing.layout
        window = framing.pieces[0].window
        assert window is not None and bool(window.second) == (used == "split")
