"""The "Support" group: what support staff may do in the admin, and nothing more.

They read every profile's data (view on each model of the product's apps and of django-q2's
task records) and operate jobs (change on Job: the retry/cancel actions, and the profile actions
that sweep temp files or reconcile publications). They delete nothing, and they cannot see or
manage users, groups, permissions or tokens.

Used by the data migration that creates the group (with the migration's historical `apps`) and
by `createsupportuser`, which re-syncs the group so that models added later are covered too.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.models import Q

SUPPORT_GROUP = "Support"
VIEW_APPS = ("profiles", "webhooks", "costs", "library", "publishing", "django_q")
# Operating jobs; profile actions check this permission too (see editai/admin.py).
OPERATE_PERMISSION = ("library", "change_job")


def support_permissions_query() -> Q:
    app_label, codename = OPERATE_PERMISSION
    return Q(content_type__app_label__in=VIEW_APPS, codename__startswith="view_") | Q(
        content_type__app_label=app_label, codename=codename
    )


def support_group_sync(*, apps: Apps = global_apps) -> Any:
    """Create the group if needed and set its permissions to exactly the policy above."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    group.permissions.set(Permission.objects.filter(support_permissions_query()))
    return group
