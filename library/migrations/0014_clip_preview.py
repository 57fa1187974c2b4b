# Issue 19, point 5: previews. A clip's low-resolution preview render (job kind "clip-preview").

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0013_job_parent")]

    operations = [
        migrations.AddField(
            model_name="clip",
            name="preview_file",
            field=models.FileField(blank=True, max_length=500, null=True, upload_to=""),
        ),
    ]
