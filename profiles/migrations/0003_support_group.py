"""The "Support" group (see profiles/support.py for what it may do and why)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from profiles.support import SUPPORT_GROUP, VIEW_APPS, support_group_sync


def create_support_group(apps, schema_editor):
    # Permissions are normally created after the last migration (post_migrate); make the ones
    # the group needs now, so a fresh database gets a complete group in one `migrate`.
    for label in ("auth", *VIEW_APPS):
        create_permissions(global_apps.get_app_config(label), apps=apps, verbosity=0)
    support_group_sync(apps=apps)


def remove_support_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=SUPPORT_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0002_profile_postiz_checked_at_profile_postiz_error"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("costs", "0001_initial"),
        ("library", "0004_exportpreset"),
        ("publishing", "0002_q2_schedule"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_support_group, remove_support_group)]
