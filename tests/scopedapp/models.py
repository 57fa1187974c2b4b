"""A minimal profile-scoped model, installed by the test settings only, that proves the tenancy
core before (and independently of) the product's own models."""

from __future__ import annotations

from django.db import models

from profiles.tenancy import ProfileScopedModel


class Note(ProfileScopedModel):
    title = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["profile", "title"], name="note_title_unique_per_profile")]

    def __str__(self) -> str:
        return self.title
