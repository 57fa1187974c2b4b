# Issue 19, point 3: fan-out. A generate, one-click or bulk-render job renders its variants as
# child jobs (`parent`), and waits for them without a worker (`waiting`).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0012_caption_safe_area")]

    operations = [
        migrations.AddField(
            model_name="job",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                help_text="the job this one renders a part of (one variant of a generate, one-click or bulk-render)",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="children",
                to="library.job",
            ),
        ),
        migrations.AddField(
            model_name="job",
            name="waiting",
            field=models.BooleanField(
                default=False,
                help_text="running without a worker: its children do the work; the last to finish ends it",
            ),
        ),
    ]
