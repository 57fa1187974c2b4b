from __future__ import annotations

from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "costs"

    def ready(self) -> None:
        from costs import pricing

        # A bad EDITAI_PRICES_JSON stops the start-up (ImproperlyConfigured) instead of failing
        # the first paid call.
        pricing.price_table()
