from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from library.services.jobs import jobs_requeue_stale


class Command(BaseCommand):
    help = "Requeue running jobs whose worker stopped sending heartbeats (or fail them after max attempts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stale-after", type=float, help="seconds without a heartbeat (default: setting)")

    def handle(self, *args: Any, stale_after: float | None, **options: Any) -> None:
        report = jobs_requeue_stale(stale_after=stale_after)
        self.stdout.write(f"requeued {len(report.requeued)} job(s), failed {len(report.failed)}")
