"""Real processes for the fault suites: a throwaway PostgreSQL cluster (its own data folder and
unix socket, so restarting it cannot disturb the shared test cluster or other xdist workers),
a django-q2 cluster pointed at any database and folders, and a small tmpfs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings


def _pg_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def _as_postgres(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
    """PostgreSQL refuses to run as root: as root, run its tools as the postgres system user."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, capture_output=True, timeout=120, **kwargs)


class ThrowawayPostgres:
    """initdb in a temporary folder, listening on a unix socket in that folder only."""

    def __init__(self) -> None:
        bindir = _pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="editai-pgfault-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        _as_postgres([str(bindir / "initdb"), "-D", str(self.data), "-U", "editai", "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8"])  # fmt: skip

    def _ctl(self, *args: str) -> None:
        _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args])

    def start(self) -> None:
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.root}' -c fsync=off -c max_connections=60"
        self._ctl("start", "-o", options)

    def restart(self) -> None:
        """A fast restart: every open connection is cut, as in a failover or a crash-restart."""
        self._ctl("restart", "-m", "fast")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with suppress(subprocess.CalledProcessError):
                self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def createdb(self, name: str) -> None:
        subprocess.run([str(self.bindir / "createdb"), "-h", str(self.root), "-U", "editai", name], check=True,
                       capture_output=True, timeout=60)  # fmt: skip

    def url(self, name: str) -> str:
        return f"postgresql://editai@{quote(str(self.root), safe='')}/{name}"

    def dsn(self, name: str) -> str:
        return f"host={self.root} user=editai dbname={name}"


def django_env(*, database_url: str, media_root: Path, temp_root: Path, **extra: str) -> dict[str, str]:
    """The environment of a manage.py process on the given database and folders (test settings)."""
    env = {k: v for k, v in os.environ.items() if k not in ("EDITAI_TEST_WORKER_DB", "PYTEST_XDIST_WORKER")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url,
        "EDITAI_TEST_MEDIA_ROOT": str(media_root), "EDITAI_TEST_TEMP_ROOT": str(temp_root),
        "EDITAI_JOB_HEARTBEAT_SECONDS": "0.5", "PYTHONUNBUFFERED": "1", **extra,
    })  # fmt: skip
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    out = subprocess.run([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args], cwd=settings.BASE_DIR,
                         env=env, capture_output=True, text=True, timeout=timeout)  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def run_module(env: dict[str, str], module: str, *args: str, timeout: float = 120) -> str:
    out = subprocess.run([sys.executable, "-m", module, *args], cwd=settings.BASE_DIR, env=env, capture_output=True,
                         text=True, timeout=timeout)  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def processes_matching(text: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", text], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def kill_matching(text: str) -> None:
    """SIGKILL the processes (an orphaned ffmpeg of a killed worker) whose command line has `text`."""
    for pid in processes_matching(text):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def tmpfs(size: str = "2m") -> Iterator[Path]:
    """A private tmpfs of `size` (needs root and the mount capability)."""
    where = Path(tempfile.mkdtemp(prefix="editai-tmpfs-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)], check=True,
                   capture_output=True, timeout=30)  # fmt: skip
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True, timeout=30)
        shutil.rmtree(where, ignore_errors=True)


def can_mount_tmpfs() -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    try:
        with tmpfs("64k"):
            return True
    except (subprocess.CalledProcessError, OSError):
        return False
