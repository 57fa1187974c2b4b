from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from editai import demo
from editai.oneclick.services import one_click_start
from library.media.ffmpeg import MediaError
from library.media.probe import probe_video
from library.models import Clip, Job, JobStatus
from library.presets import BUILT_IN
from library.selectors import clip_list
from profiles.errors import DomainError
from profiles.models import Profile
from profiles.tenancy import profile_scope
from publishing.selectors import publication_list
from publishing.services.publications import publication_create

SCRIPT = (
    "Meet the EditAI demo. One upload, one click, and a vertical clip with a voiceover "
    "and word by word captions, ready for every store."
)
CAPTION = "Made with the EditAI demo"


class Command(BaseCommand):
    # The offline demo of the README runs in a plain local shell, where DEBUG is off and the
    # development keys are in use: the production-secrets check (editai.E001) must not stop it.
    requires_system_checks: list[str] = []
    help = (
        "Offline one-click run: a demo user with two stores, sample footage (yours or a generated test card), "
        "analysis → variants → voiceover + captions → render with the local providers, and publishing to "
        "a Postiz when --postiz-url is given. Prints each step's duration, the final mp4 paths and the costs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--video", type=Path, help="footage to use (default: a generated 1280×720 test card)")
        parser.add_argument("--seconds", type=float, default=20.0, help="length of the generated footage")
        parser.add_argument("--username", default="demo", help="the demo user (created or reused)")
        parser.add_argument("--password", help="set the demo user's password (default: generated once)")
        parser.add_argument("--variants", type=int, default=1, choices=range(1, 11), metavar="1-10")
        parser.add_argument("--target-duration", type=float, default=12.0, help="seconds per clip")
        parser.add_argument("--preset", default="instagram_reels", choices=sorted(BUILT_IN))
        parser.add_argument("--script", default=SCRIPT, help="the voiceover text")
        parser.add_argument("--postiz-url", help="publish the first clip to this Postiz (public API base URL)")
        parser.add_argument("--postiz-key", help="the Postiz API key (required with --postiz-url)")
        parser.add_argument("--integration", action="append", default=[], help="Postiz integration id (repeatable)")
        parser.add_argument("--post-type", choices=["draft", "now"], default="draft", help="default: draft (safe)")
        parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for each job")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["postiz_url"] and not options["postiz_key"]:
            raise CommandError("--postiz-key is required with --postiz-url")
        if options["video"] is not None and not options["video"].is_file():
            raise CommandError(f"no such file: {options['video']}")
        if not 2 <= options["seconds"] <= 600:
            raise CommandError("--seconds must be between 2 and 600")
        if not 2 <= options["target_duration"] <= 180:
            raise CommandError("--target-duration must be between 2 and 180")
        self.steps = 5 if options["postiz_url"] else 4
        self.step_no = 0
        started = time.monotonic()
        try:
            self._run(options)
        except (demo.DemoError, MediaError, OSError) as exc:
            raise CommandError(f"demo failed: {exc}") from None
        except DomainError as exc:  # a service refused (bad preset, Postiz unavailable...)
            raise CommandError(f"demo failed: {exc.detail}") from None
        except ValidationError as exc:  # e.g. a Postiz URL the profile does not accept
            raise CommandError(f"demo failed: {'; '.join(exc.messages)}") from None
        self.stdout.write(f"demo finished in {time.monotonic() - started:.1f} s")

    def _run(self, options: dict[str, Any]) -> None:
        with self._step("demo user and two stores"):
            found = demo.demo_user_ensure(username=options["username"], password=options["password"])
            store = found.stores[0]
            self._say(f"user {found.user.username!r}; stores: " + ", ".join(f"{p.name} ({p.pk})" for p in found.stores))
            path = demo.password_file()
            if found.password:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(found.password + "\n")
                path.chmod(0o600)
            if found.password or (path.exists() and not options["password"]):
                self._say(f"password in {path}; switch stores in the browsable API with ?profile=<id>")

        with tempfile.TemporaryDirectory(prefix="editai-demo-") as scratch:
            with self._step("sample footage"):
                video_path = options["video"]
                if video_path is None:
                    seconds = options["seconds"]
                    video_path = demo.sample_footage_make(Path(scratch) / "demo-footage.mp4", seconds=seconds)
                    self._say(f"generated {seconds:g} s of a 1280x720 test card with a tone (ffmpeg lavfi)")
                else:
                    self._say(f"using {video_path}")
            with self._step("upload (probe, thumbnail, store)"):
                video = demo.demo_upload(profile=store, path=video_path)
                self._say(f"source video {video.pk}: {video.duration:.1f} s, {video.width}x{video.height}")

        with self._step("one click: analyse → cut → voiceover + captions → render"), profile_scope(store):
            job = one_click_start(
                source_video=video, variant_count=options["variants"], preset=options["preset"],
                script_text=options["script"], target_duration=options["target_duration"], provider="local",
            )  # fmt: skip
            job = self._wait(job, options["timeout"])
            clips = clip_list(ids=job.result.get("clips", []))
            self._say(f"job {job.pk}: {len(clips)} clip(s) rendered to {options['preset']}")
        job_ids = [job.pk]

        if options["postiz_url"]:
            with self._step(f"publish to Postiz ({options['post_type']})"):
                job_ids.append(self._publish(store, clips, options))

        self.stdout.write("outputs:")
        for clip in clips:
            stored = demo.stored_path(cast(str, clip.final_file.name))  # a rendered clip has its file
            self.stdout.write(f"    final mp4: {stored}")
            if Path(stored).is_file():
                info = probe_video(Path(stored))  # the proof that it plays: ffprobe decodes it
                if info.video is not None:
                    self._say(f"  {info.video.width}x{info.video.height} {info.video.codec}, {info.duration:.1f} s")

        costs = demo.demo_costs(profile=store, job_ids=job_ids)
        self.stdout.write("costs of this run (from the cost ledger):")
        for row in costs.rows:
            label = f"{row['provider']} {row['operation']}" + (f" ({row['model']})" if row["model"] else "")
            self._say(f"{label}: ${row['total']:.6f} USD, {row['entries']} entr{'y' if row['entries'] == 1 else 'ies'}")
        self.stdout.write(f"    total: ${costs.total_usd:.6f} USD")

    def _publish(self, store: Profile, clips: list[Clip], options: dict[str, Any]) -> UUID:
        store = demo.demo_postiz_setup(profile=store, url=options["postiz_url"], key=options["postiz_key"])
        chosen, notes = demo.demo_integrations(profile=store, wanted=options["integration"], caption=CAPTION)
        for note in notes:
            self._say(f"skipped {note}")
        with profile_scope(store):
            job = publication_create(clip=clips[0], integration_ids=chosen, caption=CAPTION, type=options["post_type"])
            job = self._wait(job, options["timeout"])
            for publication in publication_list(job=job):
                extra = publication.release_url or publication.postiz_post_id or publication.error
                self._say(f"{publication.integration_identifier}: {publication.status} {extra}".rstrip())
        return job.pk

    def _wait(self, job: Job, timeout: float) -> Job:
        bar = tqdm(total=100, leave=False, file=sys.stderr, disable=not self.stdout.isatty(), desc=job.kind)

        def update(percent: int) -> None:
            bar.update(max(percent - bar.n, 0))

        try:
            job = demo.job_run_here(job=job, timeout=timeout, on_progress=update)
        finally:
            bar.close()
        if job.status != JobStatus.SUCCEEDED:
            raise demo.DemoError(f"{job.kind} job {job.pk} {job.status}: {job.error}")
        return job

    @contextmanager
    def _step(self, title: str) -> Iterator[None]:
        self.step_no += 1
        self.stdout.write(f"[{self.step_no}/{self.steps}] {title}")
        started = time.monotonic()
        yield
        self.stdout.write(f"    done in {time.monotonic() - started:.2f} s")

    def _say(self, text: str) -> None:
        self.stdout.write(f"    {text}")
