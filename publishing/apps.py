from __future__ import annotations

from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"

    def ready(self) -> None:
        from library.jobs.oneclick import PUBLISHERS
        from publishing import jobs

        if jobs.one_click_publisher not in PUBLISHERS:
            PUBLISHERS.append(jobs.one_click_publisher)
