# Reserved for the work on issue 18 (brand kit): fill in this file's operations (keep the name and the dependency).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("library", "0009_reframe")]

    operations: list[migrations.operations.base.Operation] = []
