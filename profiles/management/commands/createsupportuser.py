from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from profiles.selectors import user_exists
from profiles.support import SUPPORT_GROUP, support_group_sync

PASSWORD_ENV = "EDITAI_SUPPORT_PASSWORD"  # noqa: S105  (the name of a variable, not a secret)


class Command(BaseCommand):
    help = (
        "Create a support staff account: staff (may log into /admin/), not a superuser, in the "
        f'"{SUPPORT_GROUP}" group (read every profile\'s data, retry/cancel jobs, no deletes, no '
        f"user admin). The password comes from --password, ${PASSWORD_ENV} or a prompt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help=f"visible in the process list; prefer ${PASSWORD_ENV} or the prompt")
        parser.add_argument("--no-input", action="store_false", dest="interactive", help="never prompt")

    def handle(self, *args: Any, username: str, email: str, password: str | None, **options: Any) -> None:
        User = get_user_model()
        if user_exists(username=username):
            raise CommandError(f"a user named {username!r} already exists")
        password = password or os.environ.get(PASSWORD_ENV) or self._prompt(options["interactive"])
        user = User(username=username, email=email, is_staff=True, is_superuser=False)
        try:
            user.full_clean(exclude=["password"])
            validate_password(password, user=user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        user.set_password(password)
        with transaction.atomic():
            user.save()
            # Re-synced on every use, so models added since the group's migration are covered.
            group = support_group_sync()
            user.groups.add(group)
        self.stdout.write(
            f"created support user {username!r} (staff, group {SUPPORT_GROUP!r} with "
            f"{group.permissions.count()} permissions)"
        )

    def _prompt(self, interactive: bool) -> str:
        if not (interactive and sys.stdin.isatty()):
            raise CommandError(f"no password: pass --password, set ${PASSWORD_ENV}, or run it on a terminal")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the passwords do not match")
        return first
