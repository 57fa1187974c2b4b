"""Helpers every app's services share (profiles is the lowest layer, so all may import it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: Iterable[str], data: dict[str, Any]) -> M:
    """Set those of `fields` present in `data`, validate, and save only them (plus
    `updated_at` when the model has it). Nothing happens when none is present."""
    changed = [field for field in fields if field in data]
    for field in changed:
        setattr(instance, field, data[field])
    if changed:
        instance.full_clean()
        extra = ["updated_at"] if any(f.name == "updated_at" for f in instance._meta.concrete_fields) else []
        instance.save(update_fields=[*changed, *extra])
    return instance
