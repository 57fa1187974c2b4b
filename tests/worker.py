"""Starts a real django-q2 cluster (`manage.py qcluster`) against the test database, for the
end-to-end tests. The cluster runs the test settings, so it knows the test-only job kinds and
uses the test process's media and temp folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection


class Cluster:
    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.proc = proc
        self.log = log

    def kill(self) -> None:
        """SIGKILL the whole cluster (sentinel, pusher, monitor, workers) at once."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:  # django-q2's SIGTERM handler can deadlock (#346)
            self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def worker_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "EDITAI_TEST_WORKER_DB": connection.settings_dict["NAME"],
        "EDITAI_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EDITAI_TEST_TEMP_ROOT": str(settings.TEMP_ROOT),
        "EDITAI_JOB_HEARTBEAT_SECONDS": "0.5",
        "EDITAI_TEST_PARTS_INLINE": "0",  # a fan-out's parts go to the cluster's workers
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


@contextmanager
def qcluster_with(env: dict[str, str], log: Path) -> Iterator[Cluster]:
    """`manage.py qcluster` with exactly this environment, until the block ends."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "qcluster"],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    cluster = Cluster(proc, log)
    try:
        deadline = time.monotonic() + 60
        while "running." not in cluster.output():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"qcluster did not start:\n{cluster.output()}")
            time.sleep(0.1)
        yield cluster
    finally:
        cluster.stop()


@contextmanager
def qcluster(tmp_path: Path, name: str = "worker", **env: Any) -> Iterator[Cluster]:
    """A cluster on the test process's database, media and temp folders."""
    with qcluster_with(worker_env(**{k: str(v) for k, v in env.items()}), tmp_path / f"{name}.log") as cluster:
        yield cluster


def wait_for(predicate: Any, *, timeout: float = 60.0, interval: float = 0.05, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
