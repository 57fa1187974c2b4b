"""Django set-up shared by the benchmarks: they run against a separate database,
`editai_bench` on the local cluster (or EDITAI_BENCH_DATABASE_URL), migrated on start."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editai.settings")
    os.environ["EDITAI_DB_NAME"] = "editai_bench"
    os.environ.setdefault("EDITAI_MEDIA_ROOT", str(ROOT / ".var" / "bench" / "media"))
    os.environ.setdefault("EDITAI_TEMP_ROOT", str(ROOT / ".var" / "bench" / "tmp"))
    # DEBUG stays off (it would slow what is measured), so the qcluster and gunicorn the benchmarks
    # start need keys other than the development ones (system checks editai.E001/E002).
    os.environ.setdefault("EDITAI_SECRET_KEY", "editai-bench-only-key-Qm4vT8xZr2Lp6Wn0Yc3Hs7Jd1Kf5Gb9A")
    os.environ.setdefault("EDITAI_FIELD_ENCRYPTION_KEYS", "oW5d0fXf3nq0H3bM3tYpM0C3VvUqkq0p1sQ8eHc5rJY=")
    if os.environ.get("EDITAI_BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["EDITAI_BENCH_DATABASE_URL"]
    import django
    import psycopg
    from django.conf import settings

    if not os.environ.get("DATABASE_URL"):
        db = settings.DATABASES["default"]
        with psycopg.connect(host=db["HOST"], user=db["USER"], dbname="postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'editai_bench'").fetchone():
                conn.execute("CREATE DATABASE editai_bench")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [headers, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells[1:])])
