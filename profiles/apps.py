from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_support_group(sender: AppConfig, **kwargs: object) -> None:
    # Models added after the group's migration get its view permission on the next migrate.
    from profiles.support import support_group_sync

    support_group_sync()


class ProfilesConfig(AppConfig):
    name = "profiles"

    def ready(self) -> None:
        post_migrate.connect(_sync_support_group, sender=self, dispatch_uid="editai-support-group")
