"""Runs ffmpeg: argument lists only, its own process group, a timeout, progress, cancel.

Commands are built with ffmpeg-python (see builders.py) and compiled to an argument list here;
nothing ever goes through a shell. A timed-out or cancelled ffmpeg is killed with its whole
process group, and the tail of its stderr travels in the error so jobs can show it.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ffmpeg
from django.conf import settings
from ffmpeg.dag import topo_sort
from ffmpeg.nodes import OutputNode, get_stream_spec_nodes

if TYPE_CHECKING:
    from ffmpeg.nodes import Stream  # ffmpeg-python ships no types (mypy sees Any); named for readers

STDERR_TAIL_LINES = 30


class MediaError(Exception):
    """ffmpeg or ffprobe failed; `stderr_tail` holds the last lines it printed."""

    retryable = False

    def __init__(self, message: str, *, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.stderr_tail = stderr_tail

    def __str__(self) -> str:
        return f"{self.message}\n{self.stderr_tail}".strip() if self.stderr_tail else self.message


class MediaTimeout(MediaError):
    pass


class Cancelled(Exception):
    """The work was cancelled by the user (or by a stop request) while ffmpeg ran."""


@dataclass(frozen=True)
class RunResult:
    elapsed: float
    stderr_tail: str
    out_time: float  # seconds of output ffmpeg reported writing


def timeout_for(duration: float | None) -> float:
    """The time one ffmpeg call over `duration` seconds of media may take."""
    return settings.FFMPEG_TIMEOUT_BASE + settings.FFMPEG_TIMEOUT_FACTOR * max(duration or 0.0, 0.0)


def compile_args(stream: Stream) -> list[str]:
    """An ffmpeg-python stream as the argument list (without the binary)."""
    args = ffmpeg.compile(stream, cmd=settings.FFMPEG_BINARY, overwrite_output=True)
    return list(args[1:])


def _output_names(stream: Stream) -> list[str]:
    """The output files of an ffmpeg-python graph, in the order compile() writes them."""
    nodes, _ = topo_sort(get_stream_spec_nodes(stream))
    return [str(node.kwargs["filename"]) for node in nodes if isinstance(node, OutputNode)]


def bound_threads(args: list[str], threads: int, outputs: list[str] | None = None) -> list[str]:
    """`args` with every thread pool of the process capped at `threads`. A leading `-threads`
    only reaches the first input's decoder: ffmpeg takes it per file, so it goes before each
    `-i` (decoders) and before each output file (encoders), and the filter graphs get theirs.
    `outputs` names the output files in order (None: the last argument is the only one)."""
    n = str(threads)
    inputs = [index for index, arg in enumerate(args) if arg == "-i"]
    before = set(inputs)
    cursor = inputs[-1] + 2 if inputs else 0  # outputs follow the last input
    for name in outputs if outputs is not None else args[-1:]:
        if name in args[cursor:]:
            cursor = args.index(name, cursor)
            before.add(cursor)
            cursor += 1
    bounded = ["-filter_threads", n, "-filter_complex_threads", n]
    for index, arg in enumerate(args):
        if index in before:
            bounded += ["-threads", n]
        bounded.append(arg)
    return bounded


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run(
    stream_or_args: Stream | list[str],
    *,
    timeout: float,
    duration: float | None = None,
    on_progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> RunResult:
    """Run one ffmpeg command.

    `duration` (seconds of output expected) turns ffmpeg's `-progress` into a 0..1 fraction for
    `on_progress`. `should_cancel` is polled a few times a second; when it says yes, or when
    `timeout` passes, ffmpeg's process group is killed and Cancelled / MediaTimeout is raised.
    """
    if isinstance(stream_or_args, Sequence):
        args, outputs = list(stream_or_args), None
    else:
        args, outputs = compile_args(stream_or_args), _output_names(stream_or_args)
    if settings.FFMPEG_THREADS:
        args = bound_threads(args, settings.FFMPEG_THREADS, outputs)
    argv = [
        settings.FFMPEG_BINARY, "-hide_banner", "-nostdin", "-nostats", "-progress", "pipe:1",
        "-loglevel", "error", *args,
    ]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True
    )
    stderr_lines: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
    out_time = [0.0]

    def read_stderr() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            stderr_lines.append(raw.decode(errors="replace").rstrip())

    def read_progress() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key in ("out_time_us", "out_time_ms") and value.isdigit():
                out_time[0] = int(value) / 1_000_000

    readers = [threading.Thread(target=read_stderr, daemon=True), threading.Thread(target=read_progress, daemon=True)]
    for reader in readers:
        reader.start()
    reported = -1.0
    try:
        while proc.poll() is None:
            if time.monotonic() - started > timeout:
                _kill_group(proc)
                raise MediaTimeout(f"ffmpeg timed out after {timeout:.0f} s", stderr_tail="\n".join(stderr_lines))
            if should_cancel is not None and should_cancel():
                _kill_group(proc)
                raise Cancelled("cancelled while ffmpeg was running")
            if on_progress is not None and duration:
                fraction = min(out_time[0] / duration, 1.0)
                if fraction > reported:
                    reported = fraction
                    on_progress(fraction)
            time.sleep(0.1)
    except BaseException:
        if proc.poll() is None:
            _kill_group(proc)
        raise
    finally:
        for reader in readers:
            reader.join(timeout=2)
    tail = "\n".join(stderr_lines)
    if proc.returncode != 0:
        raise MediaError(f"ffmpeg failed (exit {proc.returncode})", stderr_tail=tail)
    if on_progress is not None:
        on_progress(1.0)
    return RunResult(elapsed=time.monotonic() - started, stderr_tail=tail, out_time=out_time[0])
