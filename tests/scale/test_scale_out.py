"""Scale-out, end to end over real HTTP: a web process (gunicorn) and two django-q2 workers, each
with its own temp folder and no shared media folder, sharing PostgreSQL, a Redis broker and an
S3-compatible bucket (moto's server). The same flow runs on the default single-machine settings
(ORM broker, one local media folder) too.

Skipped, saying why, only when redis-server or moto cannot start (scripts/setup.sh and
requirements-dev.txt install both)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

from tests.conftest import PASSWORD
from tests.media import CHAPLIN
from tests.scale.stack import (
    BUCKET,
    HEALTH_TOKEN,
    CannotStart,
    bucket_bytes,
    bucket_keys,
    files_in,
    kill_processes_under,
    machine_env,
    redis_server,
    s3_server,
    wait_for_job,
    web_server,
)
from tests.worker import Cluster, qcluster, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
VIDEOS = "/api/v1/library/source-videos/"
PROJECTS = "/api/v1/library/projects/"
CLIPS = "/api/v1/library/clips/"
DISTRIBUTED, SINGLE = "distributed", "single-machine"
# About four seconds of espeak speech over a five-second clip: a render long enough to kill its
# worker halfway through (and shorter than the footage, so nothing loops).
LONG_SCRIPT = "A man in a hurry runs down the street and nearly falls over a dog."


@dataclass
class Install:
    """One install of the product: its web process, where each machine keeps its files, and the
    broker/storage settings every process gets (empty: the single-machine defaults)."""

    mode: str
    url: str
    root: Path
    shared: dict[str, str] = field(default_factory=dict)

    def machine(self, name: str) -> Path:
        """A machine's own folder; on a single machine everything shares one."""
        return self.root / (name if self.mode == DISTRIBUTED else "machine")

    def stored(self, profile: Any) -> list[str]:
        """The names of the profile's stored files, wherever the install keeps media."""
        if self.mode == DISTRIBUTED:
            return bucket_keys(self.shared, f"{profile.pk}/")
        media = self.machine("web") / "media"
        return [str(p.relative_to(media)) for p in files_in(media / str(profile.pk))]

    def read(self, name: str) -> bytes:
        if self.mode == DISTRIBUTED:
            return bucket_bytes(self.shared, name)
        return (self.machine("web") / "media" / name).read_bytes()


@pytest.fixture(scope="module", params=[DISTRIBUTED, SINGLE])
def install(request: Any, tmp_path_factory: Any, django_db_setup: Any) -> Iterator[Install]:
    root = tmp_path_factory.mktemp(f"scale-{request.param}")
    with ExitStack() as stack:
        shared = {"REDIS_URL": "", "S3_BUCKET": ""}  # the defaults, whatever the shell exports
        if request.param == DISTRIBUTED:
            try:
                shared = {"REDIS_URL": stack.enter_context(redis_server(root)), **stack.enter_context(s3_server(root))}
            except CannotStart as exc:
                pytest.skip(f"scale-out services unavailable: {exc}")
        machine = Install(request.param, "", root, shared)
        machine.url = stack.enter_context(web_server(machine.machine("web"), **_quiet(shared)))
        yield machine


def _quiet(shared: dict[str, str]) -> dict[str, str]:
    """Local providers only (espeak, ffmpeg analysis), whatever keys the shell holds."""
    return {**shared, "GEMINI_API_KEY": "", "ELEVENLABS_API_KEY": ""}


@contextmanager
def two_workers(install: Install, tmp_path: Path) -> Iterator[dict[str, Cluster]]:
    """Workers w1 and w2: each its own temp (and, distributed, media) folder, one ffmpeg thread
    per render, two jobs at a time."""
    with ExitStack() as stack:
        workers = {}
        for name in ("w1", "w2"):
            env = machine_env(install.machine(name), **_quiet(install.shared))
            own = {k: env[k] for k in ("EDITAI_TEST_MEDIA_ROOT", "EDITAI_TEST_TEMP_ROOT")}
            overrides = {**_quiet(install.shared), **own, "EDITAI_WORKER_NAME": name, "EDITAI_FFMPEG_THREADS": "1"}
            workers[name] = stack.enter_context(qcluster(tmp_path, name, **overrides))
        yield workers


def _login(install: Install, username: str) -> httpx.Client:
    token = httpx.post(f"{install.url}/api/v1/auth/token/", json={"username": username, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return httpx.Client(base_url=install.url, headers={"Authorization": f"Bearer {token.json()['access']}"},
                        timeout=60)  # fmt: skip


def _raw_clip(http: httpx.Client, sample_media: Path, *, seconds: float) -> tuple[dict, dict, dict]:
    """Upload the sample over HTTP, generate one short variant: (video, generate job, clip)."""
    with (sample_media / CHAPLIN).open("rb") as handle:
        video = http.post(VIDEOS, files={"file": ("chaplin.mp4", handle, "video/mp4")})
    assert video.status_code == 201, video.text
    project = http.post(PROJECTS, json={"name": "Scale", "target_duration": seconds}).json()
    started = http.post(f"{PROJECTS}{project['id']}/generate/", json={"source_video": video.json()["id"],
                                                                      "variant_count": 1})  # fmt: skip
    assert started.status_code == 202, started.text
    generated = wait_for_job(http, started.json()["id"])
    assert generated["status"] == "succeeded", generated["error"]
    clips = http.get(CLIPS, params={"project": project["id"]}).json()["results"]
    assert len(clips) == 1
    return video.json(), generated, clips[0]


def _render(http: httpx.Client, clip: dict, script: str) -> dict:
    assert http.patch(f"{CLIPS}{clip['id']}/content/", json={"script_text": script}).status_code == 200
    started = http.post(f"{CLIPS}{clip['id']}/render/", json={"preset": "tiktok"})
    assert started.status_code == 202, started.text
    return started.json()


def _workspaces(install: Install, *machines: str) -> list[Path]:
    return [path for machine in machines for path in files_in(install.machine(machine) / "tmp")]


def _manage(install: Install, machine: str, *args: str) -> str:
    env = machine_env(install.machine(machine), **_quiet(install.shared))
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_it_uploads_generates_and_renders_across_two_workers(
    install: Install, cast: Any, sample_media: Path, tmp_path: Path
) -> None:
    with two_workers(install, tmp_path):
        http = _login(install, "alice")
        video, generated, clip = _raw_clip(http, sample_media, seconds=3)
        rendered = wait_for_job(http, _render(http, clip, "Meet the man with the hat.")["id"])
        # Every workspace goes (the job is marked done just before its workspace is removed).
        wait_for(lambda: _workspaces(install, "web", "w1", "w2") == [], timeout=10, what="the workspaces to go")
    assert rendered["status"] == "succeeded", rendered["error"]
    assert {generated["worker"], rendered["worker"]} <= {"w1", "w2"}
    assert (generated["attempts"], rendered["attempts"]) == (1, 1)

    profile = str(cast.store_a.pk)
    final = f"{profile}/clips/{clip['id']}/final-{rendered['id']}.mp4"
    expected = {f"{profile}/videos/{video['id']}.mp4", f"{profile}/videos/{video['id']}.jpg",
                f"{profile}/clips/{clip['id']}/raw.mp4", final}  # fmt: skip
    stored = install.stored(cast.store_a)
    assert expected <= set(stored), stored
    if install.mode == DISTRIBUTED:
        # Only in the bucket: no machine (web, w1, w2, nor this test process) holds media.
        for machine in ("web", "w1", "w2"):
            assert files_in(install.machine(machine) / "media") == []
        assert files_in(Path(settings.MEDIA_ROOT) / profile) == []
        health = httpx.get(f"{install.url}/api/v1/health/", headers={"X-Health-Token": HEALTH_TOKEN}).json()
        assert health["broker"] == {"kind": "redis", "ok": True}
        assert health["disk"]["media"] == {"s3_bucket": BUCKET}

    # Downloads and streams come from storage through the API, with its ownership checks.
    whole = http.get(f"{CLIPS}{clip['id']}/download/", params={"kind": "final"})
    assert whole.status_code == 200 and whole.content == install.read(final)
    part = http.get(f"{CLIPS}{clip['id']}/download/", params={"kind": "final"}, headers={"Range": "bytes=0-1023"})
    assert part.status_code == 206 and part.content == whole.content[:1024]
    source = install.read(f"{profile}/videos/{video['id']}.mp4")
    tail = http.get(f"{VIDEOS}{video['id']}/stream/", headers={"Range": "bytes=1000-"})
    assert tail.status_code == 206 and tail.content == source[1000:]
    assert tail.headers["Content-Range"] == f"bytes 1000-{len(source) - 1}/{len(source)}"
    bob = _login(install, "bob")
    assert bob.get(f"{CLIPS}{clip['id']}/download/").status_code == 404
    assert bob.get(f"{VIDEOS}{video['id']}/stream/").status_code == 404
    store_b = http.get(f"{VIDEOS}{video['id']}/stream/", headers={"X-Profile-Id": str(cast.store_b.pk)})
    assert store_b.status_code == 404


@pytest.mark.parametrize("install", [DISTRIBUTED], indirect=True)
def test_a_render_whose_worker_is_killed_completes_on_the_other(
    install: Install, cast: Any, sample_media: Path, tmp_path: Path
) -> None:
    with two_workers(install, tmp_path) as workers:
        http = _login(install, "alice")
        _, _, clip = _raw_clip(http, sample_media, seconds=5)
        job_id = _render(http, clip, LONG_SCRIPT)["id"]

        def rendering() -> dict | None:
            job = http.get(f"/api/v1/jobs/{job_id}/").json()
            return job if job["progress"] > 0 or job["status"] not in ("queued", "running") else None

        running = wait_for(rendering, timeout=120, interval=0.2, what="the render's ffmpeg to make progress")
        assert running["status"] == "running", running["error"]
        victim = running["worker"]
        survivor = "w2" if victim == "w1" else "w1"
        # The machine dies: its cluster and the ffmpeg it started (in a session of its own).
        workers[victim].kill()
        workspace = install.machine(victim) / "tmp" / str(cast.store_a.pk) / job_id
        kill_processes_under(workspace)
        assert http.get(f"/api/v1/jobs/{job_id}/").json()["status"] == "running"  # nobody knows yet
        time.sleep(2.5)  # the heartbeat (every 0.5 s) goes stale
        # Redis dropped the task with the worker: the stale-job requeue sends it again (the q2
        # schedule does this every minute; here it is run at once, from another machine).
        assert _manage(install, "web", "requeue_stale_jobs", "--stale-after", "2").startswith("requeued 1 job(s)")
        done = wait_for_job(http, job_id, timeout=240)
        wait_for(lambda: _workspaces(install, survivor) == [], timeout=10, what="the survivor's workspace to go")
    assert done["status"] == "succeeded", done["error"]
    assert (done["attempts"], done["worker"]) == (2, survivor)
    finals = [k for k in install.stored(cast.store_a) if "/final-" in k and k.endswith(".mp4")]
    assert finals == [f"{cast.store_a.pk}/clips/{clip['id']}/final-{job_id}.mp4"]
    # The dead machine left its half-done workspace behind; its own sweep removes it.
    assert files_in(workspace) != []
    assert _manage(install, victim, "cleanup_temp").startswith("removed 1 path(s)")
    assert files_in(install.machine(victim) / "tmp") == []
