"""The cost ledger: one row per paid (or free, local) provider call, and budget reservations.

Entries outlive their profile: the profile key is SET_NULL so that deleting a store keeps the
money it spent visible to operators (the "Legacy / deleted profile" bucket). Raw units are
stored beside the dollars so costs can be recomputed when prices change.
"""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from numbers import Real
from typing import TypedDict, cast

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from profiles.tenancy import ProfileScopedModel

LEGACY_PROFILE_LABEL = "Legacy / deleted profile"

# Every unit an entry may carry. Counts are whole numbers; seconds may be fractional.
COUNT_UNITS = ("characters", "input_tokens", "output_tokens", "thinking_tokens", "frames")
UNIT_KEYS = (*COUNT_UNITS, "seconds")


class _Money(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _Money = {"max_digits": 14, "decimal_places": 6}

operation_validator = RegexValidator(r"^[a-z][a-z0-9_]{0,39}$", "Use lowercase letters, digits and underscores.")


class Provider(models.TextChoices):
    ELEVENLABS = "elevenlabs", "ElevenLabs"
    GEMINI = "gemini", "Gemini"
    ESPEAK = "espeak", "espeak-ng (local)"
    LOCAL = "local", "Local analysis"


class Operation:
    """The operations recorded so far; adapters may add their own (a lowercase slug)."""

    TTS = "tts"
    VOICE_CLONE = "voice_clone"
    ANALYSIS = "analysis"


def validate_units(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Units must be a JSON object.")
    unknown = sorted(set(value) - set(UNIT_KEYS))
    if unknown:
        raise ValidationError(f"Unknown unit(s) {unknown}; allowed: {list(UNIT_KEYS)}.")
    for key, amount in value.items():
        # bool is an int subclass; True characters is a bug, not a count.
        if isinstance(amount, bool) or not isinstance(amount, Real | Decimal):
            raise ValidationError(f"Unit {key!r} must be a number.")
        if not math.isfinite(amount):
            raise ValidationError(f"Unit {key!r} must be a finite number.")
        if amount < 0:
            raise ValidationError(f"Unit {key!r} cannot be negative.")
        if key in COUNT_UNITS and amount != int(cast("float | Decimal", amount)):
            raise ValidationError(f"Unit {key!r} must be a whole number.")


class CostEntry(ProfileScopedModel):
    # Overrides the inherited CASCADE key: entries survive their profile's deletion.
    profile = models.ForeignKey(  # type: ignore[assignment]  # nullable here only
        "profiles.Profile", null=True, on_delete=models.SET_NULL, editable=False, related_name="+"
    )
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Jobs are referenced by id only: costs sits below library and must not import it.
    job_id = models.UUIDField(null=True, blank=True, db_index=True)
    provider = models.CharField(max_length=20, choices=Provider.choices)
    model = models.CharField(max_length=100, blank=True)
    operation = models.CharField(max_length=40, validators=[operation_validator])
    units = models.JSONField(default=dict, blank=True, validators=[validate_units])
    cost_usd = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta(ProfileScopedModel.Meta):
        verbose_name = "cost entry"
        verbose_name_plural = "cost entries"
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["profile", "created_at"], name="costentry_profile_created")]

    def __str__(self) -> str:
        return f"{self.provider} {self.operation} ${self.cost_usd}"


class BudgetReservation(ProfileScopedModel):
    """An estimate held against the monthly budget while a job runs (see costs.budget)."""

    class Status(models.TextChoices):
        HELD = "held", "Held"
        COMMITTED = "committed", "Committed"
        RELEASED = "released", "Released"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job_id = models.UUIDField()
    operation = models.CharField(max_length=40, validators=[operation_validator])
    estimate_usd = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(ProfileScopedModel.Meta):
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "job_id"], name="budget_reservation_one_per_job"),
        ]
        indexes = [models.Index(fields=["profile", "status"], name="reservation_profile_status")]

    def __str__(self) -> str:
        return f"{self.operation} ${self.estimate_usd} ({self.status})"
