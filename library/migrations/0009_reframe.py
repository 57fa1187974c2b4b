# Reserved for the work on issue 17 (reframe): fill in this file's operations (keep the name and the dependency).

import uuid

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0008_transcript")]

    operations: list[migrations.operations.base.Operation] = [
        # issue 17, tracking: the cached crop paths (library/models/tracking.py)
        migrations.CreateModel(
            name="SubjectTrack",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("start", models.FloatField()),
                ("end", models.FloatField()),
                ("version", models.PositiveSmallIntegerField(default=1)),
                ("path", models.JSONField(default=dict)),
                ("subject", models.CharField(blank=True, max_length=10)),
                ("confidence", models.FloatField(default=0)),
                ("seconds", models.FloatField(default=0, help_text="how long the tracking pass took")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("profile", models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="profiles.profile")),
                ("source_video", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="tracks", to="library.sourcevideo")),
            ],
            options={"ordering": ["source_video", "start", "id"]},
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_objects", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddConstraint(
            model_name="subjecttrack",
            constraint=models.UniqueConstraint(
                fields=("profile", "source_video", "start", "end", "version"), name="subject_track_cache_key"
            ),
        ),
        # issue 17, reframe: the focus points of the track layout (library.services.reframe)
        migrations.AddField(model_name="clip", name="focus", field=models.JSONField(blank=True, default=dict)),
    ]
