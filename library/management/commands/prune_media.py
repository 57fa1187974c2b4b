from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from library.services.prune import media_prune
from profiles.management.options import parse_age, profile_option, progress_wrapper

DEFAULT_GRACE = "1h"


class Command(BaseCommand):
    help = (
        "Delete stored media files that no source video, clip or job references (crash leftovers, "
        "replaced renders, deleted profiles' files), and cached voiceovers unused for "
        "EDITAI_VOICEOVER_CACHE_DAYS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", help="only this profile's files (id)")
        parser.add_argument(
            "--older-than",
            default=DEFAULT_GRACE,
            help=f"spare files modified more recently, such as an upload in flight (default {DEFAULT_GRACE})",
        )
        parser.add_argument("--dry-run", action="store_true", help="list what would go, delete nothing")

    def handle(self, *args: Any, profile: str | None, older_than: str, dry_run: bool, **options: Any) -> None:
        chosen = profile_option(profile)
        grace = parse_age(older_than)
        try:
            report = media_prune(
                profile_id=chosen.pk if chosen else None,
                older_than=grace,
                dry_run=dry_run,
                progress=progress_wrapper(self, desc="profiles"),
            )
        except OSError as exc:  # storage unreadable or a file that cannot be deleted
            raise CommandError(f"prune_media failed: {exc}") from None
        verb = "would delete" if dry_run else "deleted"
        if dry_run or options["verbosity"] > 1:
            for name in report.removed:
                self.stdout.write(f"{verb} {name}")
        expired = f"; expired {report.voiceovers_expired} cached voiceover(s)" if report.voiceovers_expired else ""
        self.stdout.write(
            f"{verb} {len(report.removed)} unreferenced file(s), {report.bytes_freed} bytes; "
            f"kept {report.referenced} referenced and {report.kept_recent} recent{expired}"
        )
