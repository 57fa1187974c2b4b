from __future__ import annotations

from typing import Any

from django.db import transaction

from library.models import ExportPreset
from profiles.common import model_update

PRESET_FIELDS = (
    "name", "description", "width", "height", "fps", "crf", "speed", "max_bitrate", "audio_bitrate", "loudness",
    "safe_top", "safe_bottom", "safe_left", "safe_right", "pad_darken",
)  # fmt: skip


@transaction.atomic
def preset_create(**fields: Any) -> ExportPreset:
    preset = ExportPreset(**{k: v for k, v in fields.items() if k in PRESET_FIELDS})
    preset.full_clean()
    preset.save()
    return preset


@transaction.atomic
def preset_update(*, preset: ExportPreset, data: dict[str, Any]) -> ExportPreset:
    return model_update(instance=preset, fields=PRESET_FIELDS, data=data)
