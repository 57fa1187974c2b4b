# Reserved for the work on issue 20 (Postiz analytics): fill in this file's operations (keep the name and the dependency).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("publishing", "0002_q2_schedule")]

    operations: list[migrations.operations.base.Operation] = []
