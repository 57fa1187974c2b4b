"""The table of the shared database cache (settings.CACHES without REDIS_URL), created where
migrate runs so that no deployment needs a separate `createcachetable` step. Created whatever
CACHES says today: an install that later drops REDIS_URL finds the table ready."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "editai_cache"  # settings.CACHES["default"]["LOCATION"]


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)  # no-op if it exists


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


class Migration(migrations.Migration):
    dependencies = [("profiles", "0003_support_group")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
