from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"

    def ready(self) -> None:
        from library.jobs import generate, kinds, oneclick, render, tool_kinds, tts  # noqa: F401  (registers job kinds)
