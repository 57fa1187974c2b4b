from __future__ import annotations

from django.apps import AppConfig


class EditAIConfig(AppConfig):
    name = "editai"
    verbose_name = "EditAI"

    def ready(self) -> None:
        from editai import checks  # noqa: F401  (registers the system checks)
        from editai.oneclick import jobs  # noqa: F401  (registers the one-click job kind)
