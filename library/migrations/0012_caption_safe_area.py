# Issue 18: the platforms' safe areas and the pad layout's background darkening on export presets.

import django.core.validators
from django.db import migrations, models


def _percent(default: float, high: float) -> models.FloatField:
    return models.FloatField(
        default=default,
        validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(high)],
    )


class Migration(migrations.Migration):
    dependencies = [("library", "0011_music")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(model_name="exportpreset", name="pad_darken", field=_percent(40.0, 90)),
        migrations.AddField(model_name="exportpreset", name="safe_bottom", field=_percent(25.0, 45)),
        migrations.AddField(model_name="exportpreset", name="safe_left", field=_percent(6.0, 40)),
        migrations.AddField(model_name="exportpreset", name="safe_right", field=_percent(13.0, 40)),
        migrations.AddField(model_name="exportpreset", name="safe_top", field=_percent(12.0, 45)),
    ]
