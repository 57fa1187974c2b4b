# Issue 20 (Postiz analytics): statistics per publication and day, and the schedule that fetches them.

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models

SCHEDULE = "editai: fetch publication analytics"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE,
        defaults={"func": "publishing.tasks.fetch_analytics", "schedule_type": "I", "minutes": 360, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [("publishing", "0002_q2_schedule")]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="analytics_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="publication",
            name="analytics_error",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.CreateModel(
            name="PublicationStat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField()),
                ("views", models.PositiveBigIntegerField(default=0)),
                ("likes", models.PositiveBigIntegerField(default=0)),
                ("comments", models.PositiveBigIntegerField(default=0)),
                ("shares", models.PositiveBigIntegerField(default=0)),
                ("metrics", models.JSONField(blank=True, default=dict)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "profile",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="profiles.profile",
                    ),
                ),
                (
                    "publication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="stats", to="publishing.publication"
                    ),
                ),
            ],
            options={
                "ordering": ["publication", "date"],
                "constraints": [
                    models.UniqueConstraint(fields=("publication", "date"), name="one_stat_per_publication_day")
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_objects", django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
