from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from library.services.temp import temp_sweep
from profiles.models import Profile


def parse_age(text: str) -> timedelta:
    """'90s', '30m', '6h', '2d' (a bare number is seconds)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    try:
        if text and text[-1] in units:
            return timedelta(seconds=float(text[:-1]) * units[text[-1]])
        return timedelta(seconds=float(text))
    except ValueError:
        raise CommandError(f"--older-than must look like 90s, 30m, 6h or 2d, not {text!r}") from None


class Command(BaseCommand):
    help = "Remove job workspaces of finished or dead jobs, orphaned scratch folders and legacy temp files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", help="only this profile's workspaces (id)")
        parser.add_argument("--older-than", help="spare anything modified more recently (e.g. 6h)")
        parser.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")

    def handle(self, *args: Any, profile: str | None, older_than: str | None, dry_run: bool, **options: Any) -> None:
        if profile is not None and not (_is_uuid(profile) and Profile.objects.filter(pk=profile).exists()):
            raise CommandError(f"no profile {profile!r}")
        report = temp_sweep(
            profile_id=profile, older_than=parse_age(older_than) if older_than else None, dry_run=dry_run
        )
        if dry_run or options["verbosity"] > 1:
            for path in report.removed:
                self.stdout.write(f"{'would remove' if dry_run else 'removed'} {path}")
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} {len(report.removed)} path(s), {report.bytes_freed} bytes; kept {len(report.kept)}")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
