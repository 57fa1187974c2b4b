from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from profiles.models import Profile


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the first key of EDITAI_FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        with transaction.atomic():
            # Loading decrypts with whichever key matches; saving encrypts with the newest.
            for profile in Profile.objects.select_for_update().exclude(postiz_api_key=""):
                profile.save(update_fields=["postiz_api_key"])
                rotated += 1
        self.stdout.write(f"rotated {rotated} secret(s)")
