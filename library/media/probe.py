"""ffprobe, the one module that calls it: what a media file holds, whether it is a video we can
work with, and where its keyframes are."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg
from django.conf import settings

from library.media import ffmpeg as ff

PROBE_TIMEOUT = 30.0  # ffprobe reads headers only
KEYFRAME_TIMEOUT = 60.0  # packet headers of up to a minute of video
MEASURE_TIMEOUT = 120.0  # reading every packet of an upload (no decoding), at disk speed
# Container names ffprobe reports, mapped to the extension we store the file under.
CONTAINER_EXTENSIONS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm", "avi": "avi", "mpegts": "ts"}
# ffprobe's image demuxers (the others are named "<codec>_pipe": jpeg_pipe, png_pipe, webp_pipe...).
STILL_IMAGE_FORMATS = {"image2", "image2pipe"}


class NotAVideo(ff.MediaError):
    """The file is not a video we can decode (empty, text, truncated, audio only...)."""


class SourceTooLarge(ff.MediaError):
    """A video over the limits the caller gave (too long, or too many pixels per frame)."""


@dataclass(frozen=True)
class StreamInfo:
    index: int
    kind: str
    codec: str
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bit_rate: int | None = None
    rotation: int = 0


@dataclass(frozen=True)
class MediaInfo:
    format_name: str
    duration: float
    size_bytes: int
    bit_rate: int | None
    streams: list[StreamInfo] = field(default_factory=list)

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    @property
    def extension(self) -> str:
        return CONTAINER_EXTENSIONS.get(self.format_name, "mkv")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["has_audio"] = self.has_audio
        return data


def _fps(value: str | None) -> float | None:
    try:
        rate = Fraction(value or "0/0")
    except (ValueError, ZeroDivisionError):
        return None
    return round(float(rate), 3) if rate > 0 else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _rotation(stream: dict[str, Any]) -> int:
    for side in stream.get("side_data_list", []):
        if "rotation" in side:
            return int(side["rotation"]) % 360
    return int(stream.get("tags", {}).get("rotate", 0) or 0) % 360


def _ffprobe(args: list[str], path: Path, *, timeout: float) -> subprocess.CompletedProcess[bytes]:
    """ffprobe at error level over `path` (an argument list: never a shell); raises
    subprocess.TimeoutExpired after `timeout` seconds."""
    argv = [settings.FFPROBE_BINARY, "-v", "error", *args, str(path)]
    return subprocess.run(argv, capture_output=True, timeout=timeout, check=False)


def _raw_probe(path: Path) -> dict[str, Any]:
    try:
        out = _ffprobe(["-print_format", "json", "-show_format", "-show_streams"], path, timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise NotAVideo("the file could not be read in time") from None
    if out.returncode != 0:
        raise NotAVideo("the file is not a media file ffmpeg can read", stderr_tail=out.stderr.decode(errors="replace"))
    result: dict[str, Any] = json.loads(out.stdout or b"{}")
    return result


def keyframe_at_or_before(src: Path, at: float) -> float:
    """Time of the last video keyframe at or before `at` (the first frame a stream copy starting
    near `at` can begin with). Reads packet headers only, no decoding."""
    for window in (f"{max(at - 60.0, 0.0):.6f}%{at + 0.0005:.6f}", f"%{at + 0.0005:.6f}"):
        args = [
            "-select_streams", "v:0", "-read_intervals", window, "-show_entries", "packet=pts_time,flags",
            "-of", "csv=p=0",
        ]  # fmt: skip
        try:
            out = _ffprobe(args, src, timeout=KEYFRAME_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ff.MediaError("reading the video's keyframes timed out") from None
        keyframes = []
        for line in out.stdout.decode(errors="replace").splitlines():
            pts, _, flags = line.partition(",")
            try:
                time = float(pts)
            except ValueError:
                continue
            if flags.startswith("K") and time <= at + 1e-6:
                keyframes.append(time)
        if keyframes:
            return max(keyframes)
    return 0.0


def measure_duration(path: Path, *, up_to: float | None = None) -> float:
    """Read the whole file's packets (no decoding) to learn its duration, for containers that
    do not record it. With `up_to`, reading stops a second past it: a longer file measures
    more than `up_to`, however long it really is."""
    options: dict[str, Any] = {"format": "null", "c": "copy"}
    if up_to is not None:
        options["t"] = up_to + 1
    try:
        result = ff.run(ffmpeg.input(str(path)).output("-", **options), timeout=MEASURE_TIMEOUT)
    except ff.MediaError as exc:
        raise NotAVideo("the file's duration could not be measured", stderr_tail=exc.stderr_tail) from None
    if result.out_time <= 0:
        raise NotAVideo("the file's duration could not be measured")
    return result.out_time


def probe(path: Path) -> MediaInfo:
    """What the file holds. Raises NotAVideo for anything ffprobe cannot read."""
    data = _raw_probe(path)
    fmt = data.get("format", {})
    streams = []
    for raw in data.get("streams", []):
        kind = raw.get("codec_type")
        if kind not in ("video", "audio"):
            continue
        if kind == "video" and raw.get("disposition", {}).get("attached_pic"):
            continue  # cover art in audio files is not a video
        streams.append(
            StreamInfo(
                index=int(raw.get("index", 0)),
                kind=kind,
                codec=raw.get("codec_name", "unknown"),
                width=_int(raw.get("width")),
                height=_int(raw.get("height")),
                fps=_fps(raw.get("avg_frame_rate")) or _fps(raw.get("r_frame_rate")) if kind == "video" else None,
                sample_rate=_int(raw.get("sample_rate")),
                channels=_int(raw.get("channels")),
                bit_rate=_int(raw.get("bit_rate")),
                rotation=_rotation(raw) if kind == "video" else 0,
            )
        )
    duration = float(fmt.get("duration") or 0) or max(
        (float(s.get("duration") or 0) for s in data.get("streams", [])), default=0
    )
    return MediaInfo(
        format_name=fmt.get("format_name", ""),
        duration=round(duration, 3),
        size_bytes=int(fmt.get("size") or path.stat().st_size),
        bit_rate=_int(fmt.get("bit_rate")),
        streams=streams,
    )


def probe_video(path: Path, *, max_seconds: float | None = None, max_pixels: int | None = None) -> MediaInfo:
    """Probe and insist on a decodable video stream with a known duration. Over `max_seconds`
    or `max_pixels` (per frame) raises SourceTooLarge, having read no more than needed."""
    if path.stat().st_size == 0:
        raise NotAVideo("the file is empty")
    info = probe(path)
    video = info.video
    if video is None:
        raise NotAVideo("the file has no video stream" + (" (it is audio only)" if info.has_audio else ""))
    if not video.width or not video.height:
        raise NotAVideo("the video stream has no picture size")
    if info.format_name in STILL_IMAGE_FORMATS or info.format_name.endswith("_pipe"):
        # ffprobe reads a JPEG or PNG as a one-frame "video": refuse it here, not at render time.
        raise NotAVideo("the file is a still image, not a video")
    if max_pixels is not None and video.width * video.height > max_pixels:
        raise SourceTooLarge(
            f"the picture is {video.width}×{video.height} ({video.width * video.height} pixels), more than the "
            f"{max_pixels} pixels per frame this install takes (3840×2160 by default)"
        )
    stated = info.duration > 0
    if not stated:
        info = MediaInfo(
            format_name=info.format_name, duration=round(measure_duration(path, up_to=max_seconds), 3),
            size_bytes=info.size_bytes, bit_rate=info.bit_rate, streams=info.streams,
        )  # fmt: skip
    if max_seconds is not None and info.duration > max_seconds:
        how_long = f"{info.duration:g} s, more" if stated else "more"  # a measure stops just past the limit
        raise SourceTooLarge(
            f"the video lasts {how_long} than the {max_seconds:g} s this install takes (3 hours by default)"
        )
    return info


# Containers a music bed may come in (mp3, m4a/mp4 audio, wav, ogg), with the extension it is stored under.
AUDIO_CONTAINERS = {"mp3": "mp3", "mov,mp4,m4a,3gp,3g2,mj2": "m4a", "wav": "wav", "ogg": "ogg"}
MIN_AUDIO_SECONDS = 1.0  # shorter than this loops into a buzz, not a bed
DECODE_CHECK_SECONDS = 10.0


class NotAudio(ff.MediaError):
    """The file is not an audio file we take (not media, no sound, a video, another container)."""


def probe_audio(path: Path, *, max_seconds: float) -> MediaInfo:
    """Probe a music upload: an mp3, m4a, wav or ogg holding sound and no picture, between
    MIN_AUDIO_SECONDS and `max_seconds` long, whose first seconds decode. NotAudio otherwise."""
    if path.stat().st_size == 0:
        raise NotAudio("the file is empty")
    try:
        info = probe(path)
    except NotAVideo as exc:
        raise NotAudio("the file is not an audio file ffmpeg can read", stderr_tail=exc.stderr_tail) from None
    if info.audio is None:
        raise NotAudio("the file holds no sound")
    if info.video is not None:
        raise NotAudio("the file is a video: upload its sound as mp3, m4a, wav or ogg")
    if info.format_name not in AUDIO_CONTAINERS:
        raise NotAudio(f"the file is {info.format_name or 'unknown'}, not mp3, m4a, wav or ogg")
    if info.duration < MIN_AUDIO_SECONDS:
        raise NotAudio(f"the track lasts {info.duration:g} s, less than {MIN_AUDIO_SECONDS:g} s")
    if info.duration > max_seconds:
        raise SourceTooLarge(f"the track lasts {info.duration:g} s, more than the {max_seconds:g} s this install takes")
    decode = ffmpeg.input(str(path), t=DECODE_CHECK_SECONDS).audio.output("-", format="null")
    try:
        ff.run(decode, timeout=MEASURE_TIMEOUT)
    except ff.MediaError as exc:
        raise NotAudio("the sound could not be decoded", stderr_tail=exc.stderr_tail) from None
    return info
