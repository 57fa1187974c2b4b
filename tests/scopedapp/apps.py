from __future__ import annotations

from django.apps import AppConfig


class ScopedAppConfig(AppConfig):
    name = "tests.scopedapp"
    label = "scopedapp"

    def ready(self) -> None:
        from tests.scopedapp import jobs  # noqa: F401  (registers the test-only job kinds)
