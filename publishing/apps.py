from __future__ import annotations

from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"

    def ready(self) -> None:
        from publishing import jobs  # noqa: F401  (registers the publish job kind)
