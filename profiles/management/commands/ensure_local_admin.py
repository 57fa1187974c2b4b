from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from profiles.selectors import user_exists
from profiles.services import profile_create


class Command(BaseCommand):
    help = "Local installs: create the 'admin' superuser once and keep its password in .var/admin_password."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        password_file = settings.BASE_DIR / ".var" / "admin_password"
        if user_exists(username="admin"):
            self.stdout.write("admin user present")
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser("admin", "admin@localhost", password)
        profile_create(user=user, name="Admin store")
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self.stdout.write(f"created superuser 'admin'; password in {password_file}")
