from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from profiles.models import Profile
from publishing.tasks import reconcile_publications


class Command(BaseCommand):
    help = "Ask each profile's Postiz for the state of its submitted publications (published, failed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", help="only this profile (id)")

    def handle(self, *args: Any, profile: str | None, **options: Any) -> None:
        if profile is not None:
            try:
                Profile.objects.get(pk=profile)
            except (Profile.DoesNotExist, ValueError, Exception) as exc:
                raise CommandError(f"no profile {profile!r}") from exc
        self.stdout.write(reconcile_publications(profile))
