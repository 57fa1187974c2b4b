from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from profiles.tenancy import ProfileScopedModel

HEX = RegexValidator(r"^#[0-9A-F]{6}$", "A colour written #RRGGBB (for example #FFD400).")
CARD_TEMPLATES = ["intro", "announcement", "how-it-works", "persona", "demo", "closing"]  # library.media.titles


class LogoPosition(models.TextChoices):
    TOP_LEFT = "top-left"
    TOP_RIGHT = "top-right"
    BOTTOM_LEFT = "bottom-left"
    BOTTOM_RIGHT = "bottom-right"


class BrandKit(ProfileScopedModel):
    """A profile's look, applied to every final render: a logo watermark, colours for captions,
    hook and title cards, a font, and optional intro/outro cards. One per profile, made on first
    use. Files live under <profile_id>/brand/ with generated names; the logo is stored as the
    PNG we re-encoded it to (never the uploaded bytes), the font as uploaded once it opened."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    logo = models.FileField(max_length=500, blank=True)
    logo_width = models.PositiveIntegerField(default=0)
    logo_height = models.PositiveIntegerField(default=0)
    logo_position = models.CharField(max_length=12, choices=LogoPosition.choices, default=LogoPosition.TOP_RIGHT)
    logo_scale = models.FloatField(
        default=0.18, validators=[MinValueValidator(0.05), MaxValueValidator(0.4)], help_text="share of frame width"
    )
    logo_opacity = models.FloatField(default=0.85, validators=[MinValueValidator(0.1), MaxValueValidator(1.0)])
    highlight_color = models.CharField(max_length=7, blank=True, validators=[HEX], help_text="caption highlight")
    box_color = models.CharField(max_length=7, blank=True, validators=[HEX], help_text="caption and hook box")
    text_color = models.CharField(max_length=7, blank=True, validators=[HEX], help_text="hook and card text")
    card_color = models.CharField(max_length=7, blank=True, validators=[HEX], help_text="title card background")
    font = models.FileField(max_length=500, blank=True)
    font_family = models.CharField(max_length=100, blank=True)
    font_name = models.CharField(max_length=255, blank=True, help_text="the uploaded file's name")
    intro_template = models.CharField(max_length=20, blank=True, choices=[(t, t) for t in CARD_TEMPLATES])
    intro_fields = models.JSONField(default=dict, blank=True)
    intro_seconds = models.FloatField(default=2.0, validators=[MinValueValidator(0.5), MaxValueValidator(6.0)])
    outro_template = models.CharField(max_length=20, blank=True, choices=[(t, t) for t in CARD_TEMPLATES])
    outro_fields = models.JSONField(default=dict, blank=True)
    outro_seconds = models.FloatField(default=2.0, validators=[MinValueValidator(0.5), MaxValueValidator(6.0)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["profile"], name="brand_kit_one_per_profile")]

    def __str__(self) -> str:
        return f"brand kit of {self.profile_id}"
