from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from library.media.graphs import frame
from profiles.tenancy import ProfileScopedModel

BITRATE = RegexValidator(r"^\d+(\.\d+)?[kM]$", "A bitrate such as 128k or 8M.")
SPEEDS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"]
# The built-in presets' names (library.presets.BUILT_IN checks it uses exactly these): kept here so
# the model does not import the preset catalogue, which imports the model (no cycle).
BUILT_IN_NAMES = frozenset({"instagram_reels", "tiktok", "youtube_shorts"})
# A profile's own preset: clear of TikTok's, Reels' and Shorts' overlays at once (per cent per edge).
SAFE_DEFAULTS = {"top": 12.0, "bottom": 25.0, "left": 6.0, "right": 13.0}
PAD_DARKEN = round(frame.PAD_DARKEN * 100, 1)


class ExportPreset(ProfileScopedModel):
    """A profile's own export settings. The built-in presets (instagram_reels, tiktok,
    youtube_shorts) live in code, in library.presets, and cannot be changed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(max_length=50)
    description = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(default=1080, validators=[MinValueValidator(240), MaxValueValidator(2160)])
    height = models.PositiveIntegerField(default=1920, validators=[MinValueValidator(240), MaxValueValidator(3840)])
    fps = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(12), MaxValueValidator(60)])
    crf = models.PositiveSmallIntegerField(default=21, validators=[MinValueValidator(14), MaxValueValidator(35)])
    speed = models.CharField(max_length=12, default="veryfast", choices=[(s, s) for s in SPEEDS])
    max_bitrate = models.CharField(max_length=10, blank=True, validators=[BITRATE])
    audio_bitrate = models.CharField(max_length=10, default="128k", validators=[BITRATE])
    loudness = models.FloatField(default=-14.0, validators=[MinValueValidator(-30), MaxValueValidator(-6)])
    # Where the platform's own buttons, name and description cover the picture, in per cent of the
    # frame from each edge: captions (and anything else we draw) stay inside. A profile's own preset
    # may be posted anywhere, so its defaults keep clear of all three platforms.
    safe_top = models.FloatField(default=SAFE_DEFAULTS["top"], validators=[MinValueValidator(0), MaxValueValidator(45)])
    safe_bottom = models.FloatField(
        default=SAFE_DEFAULTS["bottom"], validators=[MinValueValidator(0), MaxValueValidator(45)]
    )
    safe_left = models.FloatField(
        default=SAFE_DEFAULTS["left"], validators=[MinValueValidator(0), MaxValueValidator(40)]
    )
    safe_right = models.FloatField(
        default=SAFE_DEFAULTS["right"], validators=[MinValueValidator(0), MaxValueValidator(40)]
    )
    # How much darker the blurred background of the pad layout is than the footage (per cent of its
    # brightness removed), so the footage band stands out.
    pad_darken = models.FloatField(default=PAD_DARKEN, validators=[MinValueValidator(0), MaxValueValidator(90)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["profile", "name"], name="preset_name_unique_per_profile")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        from django.core.exceptions import ValidationError

        if self.name in BUILT_IN_NAMES:
            raise ValidationError({"name": f"'{self.name}' is a built-in preset name."})
        if (self.width or 0) % 2 or (self.height or 0) % 2:
            raise ValidationError({"width": "Width and height must be even (H.264 with yuv420p)."})
        if (self.safe_top or 0) + (self.safe_bottom or 0) > 70 or (self.safe_left or 0) + (self.safe_right or 0) > 60:
            raise ValidationError(
                {"safe_top": "The safe area must keep at least 30% of the height and 40% of the width."}
            )
