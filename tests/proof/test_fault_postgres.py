"""PostgreSQL restarted while a job runs on a real worker. The restart happens on a THROWAWAY
cluster (initdb in a temp folder, its own unix socket, its own worker and folders), so it cannot
disturb the shared test cluster or tests running beside this one under xdist.

The promise: the job recovers (or fails with a clear error), and nothing is half-written: one
complete output in storage, no stray copies, no leftover workspace."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.proof.procs import (
    ThrowawayPostgres,
    _pg_bindir,
    django_env,
    kill_matching,
    manage,
    processes_matching,
    run_module,
)
from tests.worker import qcluster_with, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(_pg_bindir() is None, reason="needs the PostgreSQL server binaries (scripts/setup.sh)"),
]
TERMINAL = ("succeeded", "failed", "cancelled")


def _job(dsn: str, job_id: str) -> dict[str, Any]:
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT status, attempts, error, output, progress FROM library_job WHERE id = %s", [job_id]
            ).fetchone()
    except psycopg.OperationalError:
        return {"status": "unreachable"}
    assert row is not None
    return dict(zip(("status", "attempts", "error", "output", "progress"), row, strict=True))


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _decodes(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return float(out.stdout.strip())


@pytest.fixture
def throwaway_pg() -> Any:
    pg = ThrowawayPostgres()
    try:
        pg.start()
        yield pg
    finally:
        pg.destroy()


def test_a_job_survives_a_postgresql_restart_in_the_middle(throwaway_pg: ThrowawayPostgres, tmp_path: Path) -> None:
    pg, media, temp = throwaway_pg, tmp_path / "media", tmp_path / "tmp"
    pg.createdb("fault")
    env = django_env(database_url=pg.url("fault"), media_root=media, temp_root=temp)
    manage(env, "migrate", "--noinput")
    dsn = pg.dsn("fault")

    with qcluster_with(env, tmp_path / "worker.log") as cluster:
        ids = json.loads(run_module(env, "tests.proof.fault_driver", "test-slow", json.dumps({"seconds": 4})))
        job_id, profile_id = ids["job"], ids["profile"]
        marker = f"comment={job_id}"
        wait_for(lambda: processes_matching(marker), timeout=60, what="the job's ffmpeg to start")
        assert _job(dsn, job_id)["status"] == "running"

        pg.restart()  # every connection of the worker is cut while ffmpeg runs
        restarted = time.monotonic()

        # The worker's writes after the restart fail; a run that lost its database stops, and its
        # job goes stale and is requeued (the q2 schedule does this every minute; we ask now).
        def settled() -> bool:
            row = _job(dsn, job_id)
            if row["status"] in TERMINAL:
                return True
            if row["status"] == "running" and not processes_matching(marker) and time.monotonic() - restarted > 2:
                manage(env, "requeue_stale_jobs", "--stale-after", "1")
            return False

        wait_for(settled, timeout=120, interval=0.5, what="the job to finish after the restart")
        log = cluster.output()
    kill_matching(marker)

    row = _job(dsn, job_id)
    stored = _files(media)
    assert row["status"] == "succeeded", f"{row}\n--- worker log ---\n{log[-4000:]}"
    assert row["output"] == f"{profile_id}/jobs/{job_id}/slow.mp4"
    assert stored == [row["output"]], f"stray or missing files in storage: {stored}"
    assert _decodes(media / row["output"]) == pytest.approx(4.0, abs=0.3)
    assert _files(temp) == [], "a workspace was left behind"
