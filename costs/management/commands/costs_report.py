from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from costs.models import UNIT_KEYS
from costs.selectors import cost_report_rows, money
from costs.serializers import PeriodSerializer
from profiles.selectors import profile_exists
from profiles.tenancy import unscoped

LEGACY = "legacy"


class Command(BaseCommand):
    help = (
        "Write a CSV of costs by profile and month (UTC), across all profiles. Entries of deleted "
        "profiles appear as 'Legacy / deleted profile'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="from this date or ISO date-time (inclusive)")
        parser.add_argument("--until", help="up to this date or ISO date-time (inclusive)")
        parser.add_argument("--profile", help=f"one profile id, or '{LEGACY}' for deleted profiles' entries")
        parser.add_argument("--by-provider", action="store_true", help="one row per provider too")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        period = PeriodSerializer(data={k: options[k] for k in ("since", "until") if options[k]})
        if not period.is_valid():
            raise CommandError(f"bad period: {dict(period.errors)}")
        profile_id, legacy_only = self._profile(options["profile"])
        with unscoped():
            rows = cost_report_rows(
                since=period.validated_data["since"],
                until=period.validated_data["until"],
                profile_id=profile_id,
                legacy_only=legacy_only,
                by_provider=options["by_provider"],
            )
        columns = ["month", "profile_id", "profile", "owner"]
        columns += ["provider"] if options["by_provider"] else []
        columns += ["entries", "total_usd", *UNIT_KEYS]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

        total = money(sum((Decimal(row["total_usd"]) for row in rows), Decimal(0)))
        entries = sum(row["entries"] for row in rows)
        summary = f"{len(rows)} row(s), {entries} entr{'y' if entries == 1 else 'ies'}, ${total} USD"
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_text(buffer.getvalue(), encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc}") from None
            self.stdout.write(f"wrote {summary} to {path}")
        else:
            self.stdout.write(buffer.getvalue(), ending="")
            # The CSV owns stdout; the summary goes to stderr so a pipe gets clean CSV.
            self.stderr.write(summary, style_func=lambda text: text)

    @staticmethod
    def _profile(value: str | None) -> tuple[uuid.UUID | None, bool]:
        if not value:
            return None, False
        if value.strip().lower() == LEGACY:
            return None, True
        try:
            profile_id = uuid.UUID(value.strip())
        except ValueError:
            raise CommandError(f"--profile must be a profile id or '{LEGACY}', got {value!r}") from None
        if not profile_exists(profile_id=profile_id):
            raise CommandError(f"no profile {profile_id} (entries of deleted profiles: --profile {LEGACY})")
        return profile_id, False
