"""The final render's encoder: the auto probe, its fallback and the NVENC arguments.

These machines have no GPU, so h264_nvenc itself never runs here: fake ffmpeg binaries stand in
for a build with a working device, one without a driver, one without NVENC and one that hangs;
the real ffmpeg of this machine must make auto fall back to libx264."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import ffmpeg
import pytest

from library.media import encoder
from library.media.graphs.encode import Encoding, output_options

LISTING = "Encoders:\n V....D libx264              libx264 H.264 / AVC\n V....D h264_nvenc           NVIDIA NVENC H.264 encoder\n"


def fake_ffmpeg(tmp_path: Path, *, listing: str, trial_exit: int, hang: bool = False) -> Path:
    """A stand-in ffmpeg: prints `listing` for -encoders, exits `trial_exit` for the test encode,
    and appends one line per call to calls.log."""
    script = tmp_path / "ffmpeg"
    body = "sleep 5\n" if hang else ""
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{tmp_path}/calls.log"\n'
        f"{body}"
        'case "$*" in *-encoders*) cat <<"EOF"\n' + listing + "EOF\n exit 0;; esac\n"
        f"exit {trial_exit}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.fixture(autouse=True)
def fresh_probe():
    encoder._probed.cache_clear()
    yield
    encoder._probed.cache_clear()


def test_a_device_that_answers_makes_auto_choose_nvenc(tmp_path, settings):
    settings.FFMPEG_BINARY = str(fake_ffmpeg(tmp_path, listing=LISTING, trial_exit=0))
    settings.VIDEO_ENCODER = "auto"
    assert encoder.video_encoder() == "h264_nvenc"
    assert encoder.video_encoder() == "h264_nvenc"
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert len(calls) == 2, calls  # listed and tried once per process, then remembered
    assert "-c:v h264_nvenc" in calls[1]


@pytest.mark.parametrize(
    "listing, trial_exit",
    [
        (LISTING, 1),  # compiled in, but no driver or no device: the test encode fails
        (LISTING.replace("h264_nvenc", "h264_vaapi"), 0),  # not compiled in
    ],
    ids=["no-device", "not-built"],
)
def test_auto_falls_back_to_libx264(tmp_path, settings, listing, trial_exit):
    settings.FFMPEG_BINARY = str(fake_ffmpeg(tmp_path, listing=listing, trial_exit=trial_exit))
    settings.VIDEO_ENCODER = "auto"
    assert encoder.video_encoder() == "libx264"


def test_a_probe_that_hangs_or_a_missing_binary_falls_back(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(encoder, "PROBE_TIMEOUT", 0.5)
    settings.VIDEO_ENCODER = "auto"
    settings.FFMPEG_BINARY = str(fake_ffmpeg(tmp_path, listing=LISTING, trial_exit=0, hang=True))
    assert encoder.video_encoder() == "libx264"
    encoder._probed.cache_clear()
    settings.FFMPEG_BINARY = str(tmp_path / "no-such-ffmpeg")
    assert encoder.video_encoder() == "libx264"


def test_this_machines_ffmpeg_has_no_working_nvenc(settings):
    settings.VIDEO_ENCODER = "auto"
    settings.FFMPEG_BINARY = "ffmpeg"
    assert encoder.video_encoder() == "libx264"


def test_an_explicit_choice_is_not_probed(tmp_path, settings):
    settings.FFMPEG_BINARY = str(fake_ffmpeg(tmp_path, listing="", trial_exit=1))
    for choice in ("libx264", "h264_nvenc"):
        settings.VIDEO_ENCODER = choice
        assert encoder.video_encoder() == choice
    assert not (tmp_path / "calls.log").exists()


def test_nvenc_arguments_use_constant_quality_and_its_own_presets():
    args = ffmpeg.compile(
        ffmpeg.input("in.mp4").output("out.mp4", **output_options(Encoding(video_codec="h264_nvenc", crf=23))),
        overwrite_output=True,
    )
    line = " ".join(args)
    assert "-vcodec h264_nvenc" in line and "-preset p3" in line  # veryfast -> p3
    assert "-rc vbr" in line and "-cq 23" in line and "-b:v 0" in line
    assert "-crf" not in line
    software = " ".join(ffmpeg.compile(ffmpeg.input("in.mp4").output("out.mp4", **output_options(Encoding()))))
    assert "-vcodec libx264" in software and "-preset veryfast" in software and "-crf 23" in software
    assert "-cq" not in software


def test_an_unknown_encoder_setting_is_refused_at_start():
    env = {**os.environ, "EDITAI_DEBUG": "1", "EDITAI_VIDEO_ENCODER": "h265_quantum"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    started = subprocess.run(
        [sys.executable, "-c", "import editai.settings"], cwd=settings_dir(), env=env, capture_output=True, text=True
    )
    assert started.returncode != 0
    assert "EDITAI_VIDEO_ENCODER must be auto, libx264 or h264_nvenc" in started.stderr


def settings_dir() -> str:
    from django.conf import settings

    return str(settings.BASE_DIR)
