from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from profiles.management.options import profile_option, progress_wrapper
from publishing.tasks import reconcile_summary, reconcile_totals


class Command(BaseCommand):
    help = "Ask each profile's Postiz for the state of its submitted publications (published, failed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", help="only this profile (id)")

    def handle(self, *args: Any, profile: str | None, **options: Any) -> None:
        chosen = profile_option(profile)
        totals = reconcile_totals(str(chosen.pk) if chosen else None, progress=progress_wrapper(self, desc="profiles"))
        self.stdout.write(reconcile_summary(totals))
        if totals["errors"]:
            # A non-zero exit, so that cron and schedulers notice a Postiz that refuses or is down.
            raise CommandError(f"{totals['errors']} profile(s) could not be reconciled (see the log)")
