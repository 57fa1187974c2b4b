# Reserved for the work on issue 18 (music library): fill in this file's operations (keep the name and the dependency).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("library", "0010_brand_kit")]

    operations: list[migrations.operations.base.Operation] = []
