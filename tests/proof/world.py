"""A profile's "world" for the proof suites: one row of every product model, with REAL files in
storage behind every file field (a video, its thumbnail, a clip's raw and final files, a job's
output), so that a route that served another profile's file would really serve bytes."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from costs.services import cost_entry_record
from library import storage
from library.models import Clip, ClipStatus, ExportPreset, Job, JobStatus, Project, ProjectSegment, Segment, SourceVideo
from library.services.videos import source_video_create
from profiles.tenancy import profile_scope, unscoped
from publishing.models import Publication
from webhooks.models import Webhook, WebhookDelivery, WebhookEvent

PRODUCT_APPS = ("profiles", "webhooks", "costs", "library", "publishing")


@dataclass(frozen=True)
class Samples:
    video: Path  # a 1 s H.264/AAC mp4
    image: Path  # a small JPEG
    audio: Path  # 1 s of WAV, no picture


def make_samples(folder: Path) -> Samples:
    video, image, audio = folder / "tiny.mp4", folder / "tiny.jpg", folder / "tone.wav"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(video)], check=True, timeout=60)  # fmt: skip
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(video), "-frames:v", "1",
                    str(image)], check=True, timeout=60)  # fmt: skip
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(video), "-vn", str(audio)],
                   check=True, timeout=60)  # fmt: skip
    return Samples(video=video, image=image, audio=audio)


@dataclass
class World:
    profile: Any
    video: Any
    segment: Any
    project: Any
    clip: Any
    job: Any
    preset: Any
    publication: Any
    cost_entry: Any
    webhook: Any = None
    delivery: Any = None  # a finished delivery of `webhook`

    def stored_names(self) -> list[str]:
        return [
            self.video.file.name, self.video.thumbnail.name, self.clip.raw_file.name, self.clip.final_file.name,
            self.clip.thumbnail.name, self.job.output.name,
        ]  # fmt: skip


def build_world(profile: Any, samples: Samples, *, tag: str = "w") -> World:
    """Rows made the way the services leave them (files stored under <profile_id>/...)."""
    base = str(profile.pk)
    with profile_scope(profile):
        video = SourceVideo.objects.create(
            name=f"{tag} product video", file=storage.store_file(samples.video, f"{base}/videos/{tag}.mp4"),
            thumbnail=storage.store_file(samples.image, f"{base}/videos/{tag}.jpg"), sha256="0" * 64,
            size_bytes=samples.video.stat().st_size, duration=1.0, width=160, height=120, fps=10.0, has_audio=True,
        )  # fmt: skip
        segment = Segment.objects.create(source_video=video, start=0.0, end=1.0, keywords=["shoe"])
        project = Project.objects.create(name=f"{tag} launch", target_duration=5)
        ProjectSegment.objects.create(project=project, segment=segment, position=0)
        clip = Clip.objects.create(
            project=project, variant_index=1, cut_list=[{"source_video": str(video.pk), "start": 0.0, "end": 1.0}],
            raw_file=storage.store_file(samples.video, f"{base}/clips/{tag}-raw.mp4"),
            final_file=storage.store_file(samples.video, f"{base}/clips/{tag}-final.mp4"),
            thumbnail=storage.store_file(samples.image, f"{base}/clips/{tag}.jpg"),
            duration=1.0, status=ClipStatus.FINAL,
        )  # fmt: skip
        job = Job.objects.create(
            kind="tool-trim", status=JobStatus.SUCCEEDED, source_video=video, progress=100,
            output=storage.store_file(samples.video, f"{base}/jobs/{tag}/trim.mp4"), output_name="trim.mp4",
        )  # fmt: skip
        preset = ExportPreset.objects.create(name=f"{tag}-preset", width=720, height=1280)
        publication = Publication.objects.create(
            clip=clip, integration_id="int-1", integration_identifier="instagram", caption="hello", group="g" * 32,
            settings={"__type": "instagram"},
        )  # fmt: skip
        cost_entry = cost_entry_record(
            provider="elevenlabs", model="eleven_multilingual_v2", operation="tts", units={"characters": 100}
        )
        webhook = Webhook.objects.create(url="https://93.184.215.14/hooks", events=["job.succeeded"], secret="whsec_x")
        event = WebhookEvent.objects.create(type="job.succeeded", body='{"type":"job.succeeded"}')
        delivery = WebhookDelivery.objects.create(webhook=webhook, event=event, status="succeeded", attempts=1)
    return World(profile, video, segment, project, clip, job, preset, publication, cost_entry, webhook, delivery)


def row_counts() -> dict[str, int]:
    """Rows of every model of the product apps, across all profiles."""
    with unscoped():
        return {
            m._meta.label: m._base_manager.count()
            for m in apps.get_models()
            if m._meta.app_label in PRODUCT_APPS and not m._meta.proxy
        }


def files_on_disk() -> set[str]:
    """Every file under MEDIA_ROOT and TEMP_ROOT (relative names), for "nothing written" checks."""
    found: set[str] = set()
    for root in (Path(settings.MEDIA_ROOT), Path(settings.TEMP_ROOT)):
        if root.exists():
            found |= {f"{root.name}/{p.relative_to(root)}" for p in root.rglob("*") if p.is_file()}
    return found


def render_ready_clip(profile: Any, footage: Path, *, seconds: float, with_final: bool) -> Clip:
    """A clip of `seconds` of real footage (uploaded through the service, so probed for real),
    ready for POST /clips/{id}/render/. With `with_final`, it already has a final file (a clip
    re-rendered in another preset), which a failed render must leave in place."""
    base = str(profile.pk)
    with profile_scope(profile):
        video = source_video_create(upload=SimpleUploadedFile("footage.mp4", footage.read_bytes()))
        project = Project.objects.create(name=f"Render {seconds:g}s", target_duration=seconds)
        return Clip.objects.create(
            project=project, variant_index=1,
            cut_list=[{"source_video": str(video.pk), "start": 0.0, "end": seconds}],
            raw_file=storage.store_file(footage, f"{base}/clips/render-raw.mp4"),
            final_file=storage.store_file(footage, f"{base}/clips/render-final.mp4") if with_final else "",
            duration=seconds, status=ClipStatus.FINAL if with_final else ClipStatus.RAW,
        )  # fmt: skip
