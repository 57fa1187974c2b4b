from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from library.services.jobs import jobs_requeue_stale


class Command(BaseCommand):
    help = "Requeue running jobs whose worker stopped sending heartbeats (or fail them after max attempts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stale-after", type=float, help="seconds without a heartbeat (default: setting)")

    def handle(self, *args: Any, stale_after: float | None, **options: Any) -> None:
        if stale_after is not None and not stale_after > 0:
            # 0 would requeue every running job, healthy ones included.
            raise CommandError(f"--stale-after must be a positive number of seconds, not {stale_after}")
        report = jobs_requeue_stale(stale_after=stale_after)
        resent = f", sent {len(report.resent)} queued job(s) again" if report.resent else ""
        woken = f", woke {len(report.woken)} waiting job(s)" if report.woken else ""
        self.stdout.write(f"requeued {len(report.requeued)} job(s), failed {len(report.failed)}{resent}{woken}")
