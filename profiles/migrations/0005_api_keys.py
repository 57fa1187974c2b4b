# Reserved for the work on issue 20 (API keys): fill in this file's operations (keep the name and the dependency).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_cache_table")]

    operations: list[migrations.operations.base.Operation] = []
