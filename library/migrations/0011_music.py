# Issue 18 (music library): the profile's music beds, and a clip's bed and its level.

import uuid

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0010_brand_kit"), ("profiles", "0004_cache_table")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.CreateModel(
            name="MusicTrack",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=255)),
                ("original_name", models.CharField(blank=True, max_length=255)),
                ("file", models.FileField(max_length=500, upload_to="")),
                ("size_bytes", models.BigIntegerField()),
                ("duration", models.FloatField()),
                ("codec", models.CharField(blank=True, max_length=50)),
                ("sample_rate", models.PositiveIntegerField(blank=True, null=True)),
                ("channels", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("container", models.CharField(blank=True, max_length=100)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "profile",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="profiles.profile",
                    ),
                ),
            ],
            options={"ordering": ["-created_at", "id"]},
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_objects", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddIndex(
            model_name="musictrack",
            index=models.Index(fields=["profile", "-created_at"], name="library_mus_profile_7e4ca6_idx"),
        ),
        migrations.AddField(
            model_name="clip",
            name="music_track",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="clips",
                to="library.musictrack",
            ),
        ),
        migrations.AddField(
            model_name="clip",
            name="music_volume_db",
            field=models.FloatField(default=-18.0, help_text="the bed's level under the voice, in dB"),
        ),
    ]
