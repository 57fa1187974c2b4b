"""How each piece of a render is framed: the layouts pad and crop as they are, and the layouts
that look at the footage (track, auto, split) from the crop paths of library.services.tracking
and the clip's focus points. What the render records about it (render_info.layout, .track,
.warnings) is made here too, so the raw variants and the final render say the same."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings

from library.media.graphs.follow import Keys, Window, keypoints
from library.media.graphs.pieces import Piece
from library.media.tracking import FACE_GRID, CropPath, crop_path_smooth, window_share
from library.models import Clip, SourceVideo
from library.selection import Cut
from library.services.tracking import crop_path_for, display_size
from profiles.errors import Invalid

if TYPE_CHECKING:  # generation's renders use this module: a runtime import would be a cycle
    from library.services.generation import SourceInputs

LAYOUTS = ("pad", "crop", "track", "auto", "split")
FOCUS_LAYOUTS = ("track",)  # focus points steer one tracked window
MAX_ZOOM = 2.5  # a crop enlarging the source more than this looks soft: a warning on the clip
MAX_FOCUS_POINTS = 200
GRID = 0.1  # seconds between the points a focused shot is sampled at before smoothing
SPAN_SLACK = 10.0  # seconds of gaps worth decoding to track a video's nearby pieces in one pass
SPLIT_SHARE = 0.8  # a split's windows are this share of the source's height (follow.follow)
SPLIT_MIN_SHARE = 0.6  # split only where two far faces are seen in this share of the piece's samples


@dataclass
class Framing:
    """The pieces of one render with their windows, the mode of those without one, and what
    render_info records (`info()`)."""

    pieces: list[Piece]
    mode: str  # graphs.frame mode for pieces without a window: pad or crop
    layout: dict[str, Any]
    track: dict[str, Any] | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"layout": self.layout}
        if self.track is not None:
            info["track"] = self.track
        if self.warnings:
            info["warnings"] = self.warnings
        return info


# --- focus points ------------------------------------------------------------------------------


def timeline_digest(clip: Clip) -> str:
    """What focus points are tied to: the clip's pieces (source and times) and whether its
    render tightens them; a change of either moves what plays at a given output time."""
    pieces = [
        [str(c.get("source_video")), round(float(c["start"]), 3), round(float(c["end"]), 3)] for c in clip.cut_list
    ]
    timeline = {"pieces": pieces, "tighten": bool((clip.selection or {}).get("tighten"))}
    return hashlib.sha256(json.dumps(timeline).encode()).hexdigest()[:32]


def clip_focus(clip: Clip) -> list[dict[str, float]]:
    """The clip's focus points, or none when its cut list changed since they were set."""
    focus = clip.focus or {}
    if not focus.get("points") or focus.get("timeline") != timeline_digest(clip):
        return []
    return list(focus["points"])


def focus_check(*, clip: Clip, data: dict[str, Any]) -> None:
    """400 unless the focus points in `data` can steer `clip`: its layout (as the same request
    leaves it) is track, and every point's time falls within the clip."""
    points = data.get("focus")
    if not points:
        return
    layout = data.get("layout", clip.layout)
    if layout not in FOCUS_LAYOUTS:
        raise Invalid({"focus": f"Focus points steer the track layout only (this clip's layout is {layout!r}): "
                                "send layout: track with them."})  # fmt: skip
    longest = max(clip.duration, clip.final_duration or 0.0)
    late = [p["t"] for p in points if p["t"] > longest + 0.001]
    if late:
        raise Invalid(
            {"focus": f"Point times are output seconds within the clip (0 to {longest:.3f}); {late[0]} is not."}
        )


def clip_focus_set(*, clip: Clip, points: list[dict[str, float]]) -> Clip:
    """Store `points` (sorted by time) for the clip's current cut list; none clears them."""
    ordered = sorted(
        ({"t": round(float(p["t"]), 3), "x": round(float(p["x"]), 4)} for p in points), key=lambda p: p["t"]
    )
    clip.focus = {"points": ordered, "timeline": timeline_digest(clip)} if ordered else {}
    clip.save(update_fields=["focus", "updated_at"])
    return clip


# --- framing -----------------------------------------------------------------------------------


def _landscape(video: SourceVideo) -> bool:
    width, height = display_size(video)
    return width > height


def _zoom_warning(videos: Sequence[SourceVideo], *, height: int, share: float = 1.0) -> list[dict[str, Any]]:
    """A warning when the crop blows the smallest source up more than MAX_ZOOM times."""
    zoom = max(height / max(display_size(v)[1] * share, 1) for v in videos)
    if zoom <= MAX_ZOOM:
        return []
    return [{"code": "upscaled", "zoom": round(zoom, 2),
             "detail": f"The crop enlarges the source {zoom:.1f}x (more than {MAX_ZOOM}x): the picture will look "
                       "soft. A higher-resolution source or the pad layout avoids it."}]  # fmt: skip


def _shot_bounds(path: CropPath, duration: float) -> list[tuple[float, float]]:
    edges = [0.0, *[c for c in path.cuts if 0 < c < duration], duration]
    return list(itertools.pairwise(edges))


def _window_keys(path: CropPath, duration: float, focus: list[tuple[float, float]], window: float) -> tuple[Keys, bool]:
    """The piece's keypoints: the tracked path, except in shots holding focus points (piece
    time), which follow those points (held before the first and after the last), smoothed."""
    cuts = [c for c in path.cuts if 0 < c < duration]
    times = sorted({*(round(float(t), 3) for t in np.arange(0.0, max(duration, GRID / 2), GRID)), *cuts})
    xs = [path.at(t) for t in times]
    focused = False
    for lo, hi in _shot_bounds(path, duration):
        inside = [(t, x) for t, x in focus if lo <= t < hi]
        span = [n for n, t in enumerate(times) if lo <= t < hi]
        if not inside or not span:
            continue
        focused = True
        wanted = np.interp([times[n] for n in span], [t for t, _ in inside], [x for _, x in inside])
        smooth = crop_path_smooth([times[n] for n in span], [float(x) for x in wanted], cuts=(), window=window)
        for n, x in zip(span, smooth, strict=True):
            xs[n] = x
    return keypoints(times, xs, cuts=cuts), focused


def _split_keys(path: CropPath, duration: float, window: float) -> tuple[Keys, Keys] | None:
    """Two windows (left face on top, right face below; `window`: their width as a share of the
    source's) when two far-apart faces are seen through most of the piece; None otherwise."""
    samples = max(1, round(duration / FACE_GRID))  # CropPath.faces has a point every FACE_GRID seconds
    if not path.faces or len(path.faces) < SPLIT_MIN_SHARE * samples:
        return None
    times = [t for t, _, _ in path.faces]
    cuts = [c for c in path.cuts if 0 < c < duration]
    lefts = crop_path_smooth(times, [a for _, a, _ in path.faces], cuts=cuts, window=window)
    rights = crop_path_smooth(times, [b for _, _, b in path.faces], cuts=cuts, window=window)
    return keypoints(times, lefts, cuts=cuts), keypoints(times, rights, cuts=cuts)


def _public_points(keys: Keys, *, offset: float, duration: float) -> list[dict[str, float]]:
    """Keypoints on the output's timeline, each inside its piece (a jump's held point just
    before it), so a client can send them back as focus points."""
    out = []
    for n, (t, x) in enumerate(keys):
        if n + 1 < len(keys) and keys[n + 1][0] - t < 1e-6:
            t -= 0.001
        t = min(max(t, 0.0), max(duration - 0.001, 0.0))
        out.append({"t": round(offset + t, 3), "x": round(x, 4)})
    return out


def clip_framing(*, clip: Clip, cuts: Sequence[Cut], inputs: SourceInputs, width: int, height: int) -> Framing:
    """The framing of a render of `clip` in its layout, with its focus points. Points that a
    change of the cut list made stale are dropped from the clip, and the render says so."""
    focus = clip_focus(clip)
    stale = bool(clip.focus) and not focus
    if stale:
        Clip.objects.filter(pk=clip.pk).update(focus={})
        clip.focus = {}
    framing = framing_plan(layout=clip.layout, cuts=cuts, inputs=inputs, width=width, height=height, focus=focus)
    if stale:
        framing.layout["focus"] = "cleared: the cut list changed after the focus points were set"
    elif focus:
        followed = framing.layout["used"] == "track" and clip.layout in FOCUS_LAYOUTS
        framing.layout["focus"] = "followed" if followed else "ignored: focus points steer the track layout only"
    return framing


def framing_plan(
    *,
    layout: str,
    cuts: Sequence[Cut],
    inputs: SourceInputs,
    width: int,
    height: int,
    focus: Sequence[dict[str, float]] = (),
) -> Framing:
    """The framing of a render of `cuts` at width x height in `layout` (one of LAYOUTS)."""
    pieces = [inputs.piece(cut) for cut in cuts]
    videos = [inputs.videos[cut.source_video][1] for cut in cuts]
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    if layout in ("pad", "crop"):
        warnings = _zoom_warning(videos, height=height) if layout == "crop" else []
        return Framing(pieces, layout, {"asked": layout, "used": layout, "reason": "asked for"}, warnings=warnings)
    wide = [n for n, v in enumerate(videos) if _landscape(v)]
    if not wide:
        reason = (
            "the source is portrait or square: it already fills a 9:16 frame's height, so it is padded, not cropped"
        )
        return Framing(pieces, "pad", {"asked": layout, "used": "pad", "reason": reason})
    paths = _crop_paths(wide, pieces=pieces, videos=videos, inputs=inputs)
    used, reason = _decide(layout, paths=paths, pieces=pieces)
    if used == "pad":
        return Framing(pieces, "pad", {"asked": layout, "used": "pad", "reason": reason})
    return _windows(
        layout, used, reason, pieces=pieces, videos=videos, paths=paths, focus=focus, width=width, height=height
    )


def _crop_paths(
    wide: list[int], *, pieces: list[Piece], videos: list[SourceVideo], inputs: SourceInputs
) -> dict[int, CropPath]:
    """Each of those pieces' crop path. Pieces of one video lying close together (a tightened
    cut list, a looped one) are first tracked as one range, which the tracker caches: each
    piece then reads its slice instead of decoding the source again."""
    groups: dict[str, list[int]] = {}
    for n in wide:
        groups.setdefault(str(videos[n].pk), []).append(n)
    for members in groups.values():
        lo, hi = min(pieces[n].start for n in members), max(pieces[n].end for n in members)
        if len(members) > 1 and hi - lo <= sum(pieces[n].duration for n in members) + SPAN_SLACK:
            n = members[0]
            crop_path_for(
                video=videos[n], start=lo, end=hi, source=pieces[n].path, should_cancel=inputs.ctx.is_cancelled
            )
    return {
        n: crop_path_for(video=videos[n], start=pieces[n].start, end=pieces[n].end, source=pieces[n].path,
                         should_cancel=inputs.ctx.is_cancelled)
        for n in wide
    }  # fmt: skip


def _decide(layout: str, *, paths: dict[int, CropPath], pieces: list[Piece]) -> tuple[str, str]:
    """(the layout used, why). auto: track when the subject was found with enough confidence
    over the cropped pieces (weighted by their length), else pad."""
    if layout != "auto":
        return layout, "asked for"
    total = sum(pieces[n].duration for n in paths) or 1.0
    confidence = sum(p.confidence * pieces[n].duration for n, p in paths.items()) / total
    subjects = sorted({p.subject for p in paths.values() if p.subject != "none"})
    floor = float(settings.TRACK_MIN_CONFIDENCE)
    if subjects and confidence >= floor:
        found = " and ".join("a face" if s == "face" else "a moving subject" for s in subjects)
        return "track", f"auto: {found} found (confidence {confidence:.2f}, at least {floor:.2f} needed)"
    return "pad", f"auto: no subject found with enough confidence ({confidence:.2f}, at least {floor:.2f} needed)"


def _windows(
    layout: str,
    used: str,
    reason: str,
    *,
    pieces: list[Piece],
    videos: list[SourceVideo],
    paths: dict[int, CropPath],
    focus: Sequence[dict[str, float]],
    width: int,
    height: int,
) -> Framing:
    """Pieces with their windows (track or split), and render_info's track and warnings."""
    framed, points, shots, rows = [], [], [], []
    offset = 0.0
    use_focus = used == "track" and layout == "track"
    splits = 0
    for n, piece in enumerate(pieces):
        path = paths.get(n)
        row: dict[str, Any] = {"source_video": str(videos[n].pk), "start": round(piece.start, 3),
                               "end": round(piece.end, 3), "at": round(offset, 3)}  # fmt: skip
        if path is None:
            row.update(layout="pad", reason="portrait or square source: not cropped")
            framed.append(piece)
        else:
            local = [(float(p["t"]) - offset, float(p["x"])) for p in focus if use_focus]
            local = [(t, x) for t, x in local if 0 <= t < piece.duration]
            source_w, source_h = display_size(videos[n])
            window = window_share(source_w, source_h)
            # A split's halves are width x height/2 windows SPLIT_SHARE of the source's height tall.
            half = min(1.0, SPLIT_SHARE * source_h * width / (height / 2) / source_w)
            pair = _split_keys(path, piece.duration, half) if used == "split" else None
            if pair is not None:
                splits += 1
                keys, second = pair
                row.update(layout="split")
                framed.append(_with_window(piece, Window(keys, second)))
            else:
                keys, focused = _window_keys(path, piece.duration, local, window)
                row.update(layout="track", focus=focused)
                framed.append(_with_window(piece, Window(keys)))
            row.update(subject=path.subject, confidence=round(path.confidence, 3))
            points += _public_points(keys, offset=offset, duration=piece.duration)
            shots += [round(offset + c, 3) for c in path.cuts if 0 < c < piece.duration]
        if n:
            shots.append(round(offset, 3))
        rows.append(row)
        offset += piece.duration
    if used == "split" and not splits:
        reason = "split asked, but two far-apart faces were not seen steadily: tracked instead"
        used = "track"
    cropped = [videos[n] for n in paths]
    warnings = _zoom_warning(cropped, height=height)
    if splits:
        warnings += _zoom_warning(cropped, height=height // 2, share=SPLIT_SHARE)
    track = {"points": points, "cuts": sorted(set(shots)), "pieces": rows}
    return Framing(framed, "pad", {"asked": layout, "used": used, "reason": reason}, track=track, warnings=warnings)


def _with_window(piece: Piece, window: Window) -> Piece:
    return replace(piece, window=window)
