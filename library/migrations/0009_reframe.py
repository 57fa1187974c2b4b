# Reserved for the work on issue 17 (reframe): fill in this file's operations (keep the name and the dependency).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("library", "0008_transcript")]

    operations: list[migrations.operations.base.Operation] = []
