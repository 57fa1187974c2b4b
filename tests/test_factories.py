"""Every model of the product apps has a factory, and each one saves a valid row in its own
profile (related rows included), so tests never hand-build rows field by field."""

from __future__ import annotations

from typing import Any

import factory
import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.db.models import Model

from library.models import Clip, Segment, SourceVideo
from profiles.tenancy import profile_scope
from tests import factories
from tests.proof.world import PRODUCT_APPS


def _factories() -> dict[str, type[factory.django.DjangoModelFactory]]:
    found = {}
    for value in vars(factories).values():
        if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory):
            model = value._meta.model
            if model is not None:
                found[model._meta.label] = value
    return found


def test_every_model_has_a_factory() -> None:
    models = {m._meta.label for m in apps.get_models() if m._meta.app_label in PRODUCT_APPS and not m._meta.proxy} | {
        "auth.User"
    }
    assert sorted(models - set(_factories())) == []


@pytest.mark.parametrize("label", sorted(_factories()))
def test_each_factory_saves_a_valid_row_in_one_profile(db: Any, label: str) -> None:
    row: Model = _factories()[label].create()
    profile = getattr(row, "profile", None)
    if profile is None:
        return  # User, Profile
    with profile_scope(profile):
        row.full_clean()
        for field in row._meta.concrete_fields:
            related = getattr(row, field.name) if field.many_to_one else None
            if related is not None and hasattr(related, "profile_id") and field.name != "profile":
                assert related.profile_id == profile.pk, field.name


def test_stored_rows_have_real_bytes_under_their_profile(db: Any) -> None:
    video: SourceVideo = factories.SourceVideoFactory.create(stored=True)
    clip: Clip = factories.ClipFactory.create(stored=True, profile=video.profile)
    for name in (video.file.name, clip.raw_file.name):
        assert name is not None and name.startswith(f"{video.profile.pk}/")
        with default_storage.open(name, "rb") as handle:
            assert handle.read(12)[4:8] == b"ftyp"  # an mp4
    segment: Segment = factories.SegmentFactory.create(source_video=video, profile=video.profile)
    assert segment.source_video == video
