# Reserved for the work on issue 18 (caption templates, safe areas on export presets): fill in this file's operations (keep the name and the dependency).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("library", "0011_music")]

    operations: list[migrations.operations.base.Operation] = []
