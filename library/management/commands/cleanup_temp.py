from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from library.services.temp import temp_sweep
from profiles.management.options import parse_age, profile_option, progress_wrapper


class Command(BaseCommand):
    help = "Remove job workspaces of finished or dead jobs, orphaned scratch folders and legacy temp files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", help="only this profile's workspaces (id)")
        parser.add_argument("--older-than", help="spare anything modified more recently (e.g. 6h)")
        parser.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")

    def handle(self, *args: Any, profile: str | None, older_than: str | None, dry_run: bool, **options: Any) -> None:
        chosen = profile_option(profile)
        report = temp_sweep(
            profile_id=chosen.pk if chosen else None,
            older_than=parse_age(older_than) if older_than else None,
            dry_run=dry_run,
            progress=progress_wrapper(self, desc="temp"),
        )
        if dry_run or options["verbosity"] > 1:
            for path in report.removed:
                self.stdout.write(f"{'would remove' if dry_run else 'removed'} {path}")
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} {len(report.removed)} path(s), {report.bytes_freed} bytes; kept {len(report.kept)}")
