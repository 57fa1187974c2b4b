"""The pieces of a multi-machine install, on loopback, for the scale-out tests: a private
redis-server (no persistence), moto's S3-compatible server, and the web process (gunicorn) on
the test database. Each runs in its own process group, started and stopped here by pid."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.db import connection

from tests.worker import wait_for

BUCKET = "editai-scale"
KEYS = {"S3_ACCESS_KEY_ID": "scale-test-key", "S3_SECRET_ACCESS_KEY": "scale-test-secret", "S3_REGION": "us-east-1"}


class CannotStart(Exception):
    """A piece of the stack did not start: the tests that need it are skipped, saying why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@contextmanager
def process(name: str, argv: list[str], folder: Path, ready: Any, *, env: dict[str, str] | None = None,
            timeout: float = 30.0) -> Iterator[Process]:  # fmt: skip
    """Start `argv` in its own process group, wait until `ready()` is true, stop it afterwards."""
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=settings.BASE_DIR, env=env or dict(os.environ), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    running = Process(name, proc, log)
    try:
        deadline = time.monotonic() + timeout
        while not _ready(ready):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise CannotStart(f"{name} did not start (exit {proc.poll()}):\n{running.output()[-3000:]}")
            time.sleep(0.1)
        yield running
    finally:
        running.stop()


def _ready(check: Any) -> bool:
    try:
        return bool(check())
    except Exception:  # not listening yet
        return False


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port, without persistence; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise CannotStart("redis-server is not installed (scripts/setup.sh installs it)")
    import redis

    port = free_port()
    argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(folder), "--loglevel", "warning"]  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    with process("redis", argv, folder, lambda: redis.Redis.from_url(url, socket_timeout=1).ping()):
        yield url


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=KEYS["S3_REGION"],
        aws_access_key_id=KEYS["S3_ACCESS_KEY_ID"], aws_secret_access_key=KEYS["S3_SECRET_ACCESS_KEY"],
    )  # fmt: skip


@contextmanager
def s3_server(folder: Path) -> Iterator[dict[str, str]]:
    """moto's S3-compatible server on a free loopback port with an empty bucket; yields the
    S3_* environment that points EditAI at it."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        raise CannotStart("moto[server] is not installed (requirements-dev.txt pins it)") from None
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with process("moto", argv, folder, lambda: httpx.get(f"{endpoint}/moto-api/", timeout=1).status_code == 200):
        s3_client(endpoint).create_bucket(Bucket=BUCKET)
        yield {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint, **KEYS}


def bucket_keys(env: dict[str, str], prefix: str = "") -> list[str]:
    pages = s3_client(env["S3_ENDPOINT_URL"]).get_paginator("list_objects_v2")
    return sorted(o["Key"] for page in pages.paginate(Bucket=BUCKET, Prefix=prefix) for o in page.get("Contents", []))


def bucket_bytes(env: dict[str, str], key: str) -> bytes:
    return s3_client(env["S3_ENDPOINT_URL"]).get_object(Bucket=BUCKET, Key=key)["Body"].read()


HEALTH_TOKEN = "scale-suite-health-token"


def machine_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of one "machine" of the install: the test database, its own media and
    temp folders (never shared), and whatever broker/storage settings `extra` brings."""
    for sub in ("media", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "EDITAI_TEST_WORKER_DB": connection.settings_dict["NAME"],
        "EDITAI_TEST_MEDIA_ROOT": str(root / "media"),
        "EDITAI_TEST_TEMP_ROOT": str(root / "tmp"),
        "EDITAI_JOB_HEARTBEAT_SECONDS": "0.5",
        "EDITAI_HEALTH_TOKEN": HEALTH_TOKEN,  # the health details (broker, disks) are not for anyone
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@contextmanager
def web_server(root: Path, **extra: str) -> Iterator[str]:
    """The web process (gunicorn, two workers forked from one loaded app) on a free loopback port;
    yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "gunicorn", "editai.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--preload", "--timeout", "120", "--graceful-timeout", "5",
            "--no-control-socket"]  # fmt: skip
    env = machine_env(root, **extra)
    with process("web", argv, root, lambda: httpx.get(f"{url}/api/v1/health/", timeout=2).status_code == 200, env=env):
        yield url


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def kill_processes_under(folder: Path) -> list[int]:
    """SIGKILL the processes whose command line names `folder` (a dead worker's orphaned ffmpeg,
    which runs in a session of its own); returns their pids."""
    killed = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in cmdline:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
            except ProcessLookupError:
                pass
    return killed


def wait_for_job(http: httpx.Client, job_id: str, *, timeout: float = 180.0) -> dict:
    def finished() -> dict | None:
        job = http.get(f"/api/v1/jobs/{job_id}/").json()
        return job if job["status"] in ("succeeded", "failed", "cancelled") else None

    return wait_for(finished, timeout=timeout, interval=0.25, what=f"job {job_id}")
