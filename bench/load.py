"""The API under load, and what tenancy costs.

    .venv/bin/python bench/load.py [--seconds 30] [--connections 32] [--workers 3] [--tenancy-seconds 15]

Starts gunicorn on a free loopback port (sync workers, the bench database of bench/setup.py),
seeded with a user, two profiles and 200 rows per list in each. Then wrk (Debian's) drives
`--connections` connections for `--seconds` at each of the main list endpoints with a JWT and
X-Profile-Id, and prints requests/s, p50 and p99 latency and the errors (socket errors and
non-2xx answers: the target is zero).

The cost of tenancy: GET /api/v1/jobs/ (ProfileMiddleware scope, fail-closed scoped manager,
scoped viewset base) against /bench/plain/jobs/ (bench/bench_urls.py: the same list, serializer,
filterset and pagination, with the profile resolved and the rows filtered by hand), alternated
in rounds; overhead = 1 - scoped req/s / plain req/s (target <= 10 %).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from setup import ROOT, django_setup, table

ROWS = 200
ENDPOINTS = [
    "/api/v1/library/source-videos/",
    "/api/v1/library/projects/",
    "/api/v1/library/clips/",
    "/api/v1/jobs/",
    "/api/v1/costs/entries/",
]
PLAIN = "/bench/plain/jobs/"
REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def seed() -> tuple[Any, Any, Any]:
    """The bench user with two stores, each with ROWS of every listed model (made once)."""
    from django.contrib.auth import get_user_model

    from costs.services import cost_entry_record
    from library.models import Clip, Job, JobStatus, Project, SourceVideo
    from profiles.models import Profile
    from profiles.services import profile_create
    from profiles.tenancy import profile_scope

    user, _ = get_user_model().objects.get_or_create(username="bench-load")
    profiles = list(Profile.objects.filter(user=user).order_by("created_at"))
    while len(profiles) < 2:
        profiles.append(profile_create(user=user, name=f"Load store {len(profiles) + 1}"))
    for profile in profiles:
        with profile_scope(profile):
            if SourceVideo.objects.count() >= ROWS:
                continue
            for n in range(ROWS):
                video = SourceVideo.objects.create(
                    name=f"Product {n}", file=f"{profile.pk}/videos/bench-{n}.mp4", sha256="0" * 64, size_bytes=1,
                    duration=30.0, width=1280, height=720, fps=30.0, has_audio=True,
                )  # fmt: skip
                project = Project.objects.create(name=f"Launch {n}", source_video=video)
                Clip.objects.create(project=project, variant_index=1, duration=12.0,
                                    cut_list=[{"source_video": str(video.pk), "start": 0.0, "end": 12.0}])  # fmt: skip
                Job.objects.create(kind="render", status=JobStatus.SUCCEEDED, progress=100, params={"preset": "tiktok"})
                cost_entry_record(provider="elevenlabs", model="eleven_multilingual_v2", operation="tts",
                                  units={"characters": 100 + n})  # fmt: skip
    return user, profiles[0], profiles[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bench_settings", "EDITAI_LOG_LEVEL": "WARNING",
           "EDITAI_JWT_ACCESS_MINUTES": "120", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    argv = [str(ROOT / ".venv" / "bin" / "gunicorn"), "editai.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "--chdir", str(ROOT), "--timeout", "60", "--backlog", "256"]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(base: str, headers: dict[str, str], proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()}")
        try:
            request = urllib.request.Request(base + ENDPOINTS[0], headers=headers)  # noqa: S310 (loopback http)
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer in time:\n{log.read_text()}")


def wrk(url: str, headers: dict[str, str], *, seconds: int, connections: int, script: Path) -> dict[str, Any]:
    argv = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(script)]
    for key, value in headers.items():
        argv += ["-H", f"{key}: {value}"]
    out = subprocess.run([*argv, url], capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    result = json.loads(line[4:])
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=3, choices=range(1, 9))
    parser.add_argument("--tenancy-seconds", type=int, default=15, help="per round; 0 skips the comparison")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: scripts/setup.sh --with-bench (Debian package wrk)")
    django_setup()
    logging.disable(logging.INFO)  # seeding records 400 cost entries; one log line each is noise here
    from rest_framework_simplejwt.tokens import RefreshToken

    user, store, _ = seed()
    headers = {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}", "X-Profile-Id": str(store.pk)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="editai-load-") as tmp:
        log, script = Path(tmp) / "gunicorn.log", Path(tmp) / "report.lua"
        script.write_text(REPORT)
        server = start_gunicorn(port, args.workers, log)
        try:
            wait_ready(base, headers, server, log)
            for path in (*ENDPOINTS, PLAIN):  # warm every worker's connection and caches
                wrk(base + path, headers, seconds=2, connections=args.workers * 2, script=script)
            rows = []
            for path in ENDPOINTS:
                r = wrk(base + path, headers, seconds=args.seconds, connections=args.connections, script=script)
                rows.append([path, r["requests"], f"{r['rps']:.0f}", f"{r['p50_us'] / 1000:.1f}",
                             f"{r['p99_us'] / 1000:.1f}", r["errors"]])  # fmt: skip
            print(f"\nload: wrk, {args.connections} connections x {args.seconds} s per endpoint, gunicorn "
                  f"{args.workers} sync workers on loopback, {ROWS} rows per list (pages of 50), {os.cpu_count()} cores")  # fmt: skip
            print(table(["endpoint", "requests", "req/s", "p50 ms", "p99 ms", "errors"], rows))
            failed = sum(row[-1] for row in rows)
            if args.tenancy_seconds:
                scoped, plain = [], []
                for _ in range(args.rounds):  # alternated, so drifts in machine load hit both alike
                    for path, into in (("/api/v1/jobs/", scoped), (PLAIN, plain)):
                        r = wrk(base + path, headers, seconds=args.tenancy_seconds, connections=args.connections,
                                script=script)  # fmt: skip
                        into.append(r)
                        failed += r["errors"]
                med = lambda rs, key: statistics.median(r[key] for r in rs)  # noqa: E731
                overhead = 1 - med(scoped, "rps") / med(plain, "rps")
                print(f"\ntenancy cost: GET /api/v1/jobs/ (scoped) vs {PLAIN} (filtered by hand), "
                      f"{args.rounds} alternated rounds of {args.tenancy_seconds} s, medians")  # fmt: skip
                print(table(["variant", "req/s", "p50 ms", "p99 ms"], [
                    ["scoped (product)", f"{med(scoped, 'rps'):.0f}", f"{med(scoped, 'p50_us') / 1000:.1f}",
                     f"{med(scoped, 'p99_us') / 1000:.1f}"],
                    ["plain (by hand)", f"{med(plain, 'rps'):.0f}", f"{med(plain, 'p50_us') / 1000:.1f}",
                     f"{med(plain, 'p99_us') / 1000:.1f}"],
                ]))  # fmt: skip
                verdict = "holds" if overhead <= 0.10 else "MISSED"
                print(f"overhead: {overhead * 100:+.1f} % of throughput (target <= 10 %: {verdict})")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    print(f"\nerrors: {failed} (target 0)")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
