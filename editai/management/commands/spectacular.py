"""drf-spectacular's `spectacular` command, run unscoped: generating the schema inspects every
scoped model's default manager (it reads no rows), which would otherwise raise ScopeError."""

from __future__ import annotations

from typing import Any

from drf_spectacular.management.commands.spectacular import Command as SpectacularCommand

from profiles.tenancy import unscoped


class Command(SpectacularCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        with unscoped():
            super().handle(*args, **options)
