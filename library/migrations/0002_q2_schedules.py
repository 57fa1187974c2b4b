"""The periodic work of the jobs layer, as django-q2 schedules (idempotent)."""

from django.db import migrations

SCHEDULES = [
    # name, function, schedule type, minutes
    ("editai: requeue stale jobs", "library.tasks.requeue_stale_jobs", "I", 1),
    ("editai: sweep temp workspaces", "library.tasks.cleanup_temp", "H", None),
]


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, kind, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": kind, "minutes": minutes, "repeats": -1}
        )


def remove(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create, remove)]
