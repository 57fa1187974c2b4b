"""The profile's brand kit: made on first use, edited, and its logo and font uploaded (checked by
opening them) or removed. Files are stored under <profile_id>/brand/ with generated names."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction

from library import storage
from library.jobs.workspace import workspace
from library.media import titles
from library.media.brand_assets import FONT_MAX_BYTES, LOGO_MAX_BYTES, BadAsset, font_check, logo_normalize
from library.models import BrandKit
from profiles.common import model_update
from profiles.errors import Invalid
from profiles.tenancy import current_profile_id

EDITABLE = (
    "logo_position", "logo_scale", "logo_opacity", "highlight_color", "box_color", "text_color", "card_color",
    "intro_template", "intro_fields", "intro_seconds", "outro_template", "outro_fields", "outro_seconds",
)  # fmt: skip
COLORS = ("highlight_color", "box_color", "text_color", "card_color")


def brand_kit_get() -> BrandKit:
    """The current profile's kit, made (empty) the first time it is asked for."""
    kit = BrandKit.objects.first()
    if kit is not None:
        return kit
    try:
        with transaction.atomic():
            return BrandKit.objects.create()
    except IntegrityError:  # a concurrent first request made it
        return BrandKit.objects.get()


def _cards_check(kit: BrandKit, data: dict[str, Any]) -> dict[str, Any]:
    """The intro/outro fields cleaned by their template (titles.clean_fields), named per card."""
    cleaned = dict(data)
    errors: dict[str, Any] = {}
    for card in ("intro", "outro"):
        template_name = data.get(f"{card}_template", getattr(kit, f"{card}_template"))
        fields = data.get(f"{card}_fields", getattr(kit, f"{card}_fields"))
        if not template_name:
            if f"{card}_template" in data:
                cleaned[f"{card}_fields"] = {}  # no card: forget its fields
            elif data.get(f"{card}_fields"):
                errors[f"{card}_fields"] = [f"Choose {card}_template first: the fields depend on it."]
            continue
        template = titles.TEMPLATES.get(template_name)
        if template is None:
            errors[f"{card}_template"] = [f"Unknown template; one of {', '.join(titles.TEMPLATES)}."]
            continue
        if not isinstance(fields, dict):
            errors[f"{card}_fields"] = ["Must be a JSON object."]
            continue
        try:
            cleaned[f"{card}_fields"] = titles.clean_fields(template, fields)
        except titles.FieldErrors as exc:
            errors[f"{card}_fields"] = exc.errors
    if errors:
        raise Invalid(errors)
    return cleaned


@transaction.atomic
def brand_kit_update(*, kit: BrandKit, data: dict[str, Any]) -> BrandKit:
    data = {key: value.upper() if key in COLORS and isinstance(value, str) else value for key, value in data.items()}
    data = _cards_check(kit, data)
    return model_update(instance=kit, fields=EDITABLE, data=data)


def _receive(upload: File[bytes], dest: Path, limit: int) -> None:
    """The upload on local disk (streamed), refused past `limit` bytes."""
    size = 0
    with dest.open("wb") as out:
        for chunk in upload.chunks(chunk_size=256 * 1024):
            size += len(chunk)
            if size > limit:
                raise Invalid({"file": [f"The file is larger than {limit // (1024 * 1024)} MB."]})
            out.write(chunk)


def _swap(kit: BrandKit, fields: dict[str, Any], old: str) -> BrandKit:
    """Save the kit's new file fields; the replaced file goes after commit, a failed save
    removes the new one."""
    new = next((v for k, v in fields.items() if k in ("logo", "font")), "")
    try:
        with transaction.atomic():
            for key, value in fields.items():
                setattr(kit, key, value)
            kit.save(update_fields=[*fields, "updated_at"])
            transaction.on_commit(lambda: storage.delete_stored(old))
    except Exception:
        storage.delete_stored(new)
        raise
    return kit


def brand_logo_set(*, kit: BrandKit, upload: File[bytes]) -> BrandKit:
    """A PNG or WebP logo, re-encoded to PNG; anything else (SVG, a renamed file) is Invalid."""
    profile_id = current_profile_id()
    with workspace(profile_id, uuid.uuid4()) as scratch:
        received, logo = scratch / "upload", scratch / "logo.png"
        _receive(upload, received, LOGO_MAX_BYTES)
        try:
            width, height = logo_normalize(received, logo)
        except BadAsset as exc:
            raise Invalid({"file": [str(exc)]}) from None
        stored = storage.store_file(logo, f"{profile_id}/brand/logo-{uuid.uuid4().hex}.png")
    return _swap(kit, {"logo": stored, "logo_width": width, "logo_height": height}, kit.logo.name or "")


def brand_font_set(*, kit: BrandKit, upload: File[bytes]) -> BrandKit:
    """A TrueType/OpenType font that opens and draws; its family name is read from the file."""
    profile_id = current_profile_id()
    original = Path(upload.name or "font").name[:255]
    with workspace(profile_id, uuid.uuid4()) as scratch:
        received = scratch / "font"
        _receive(upload, received, FONT_MAX_BYTES)
        try:
            family = font_check(received)
        except BadAsset as exc:
            raise Invalid({"file": [str(exc)]}) from None
        extension = "otf" if received.read_bytes()[:4] == b"OTTO" else "ttf"
        stored = storage.store_file(received, f"{profile_id}/brand/font-{uuid.uuid4().hex}.{extension}")
    return _swap(kit, {"font": stored, "font_family": family, "font_name": original}, kit.font.name or "")


@transaction.atomic
def brand_logo_delete(*, kit: BrandKit) -> BrandKit:
    old = kit.logo.name or ""
    kit.logo, kit.logo_width, kit.logo_height = "", 0, 0
    kit.save(update_fields=["logo", "logo_width", "logo_height", "updated_at"])
    transaction.on_commit(lambda: storage.delete_stored(old))
    return kit


@transaction.atomic
def brand_font_delete(*, kit: BrandKit) -> BrandKit:
    old = kit.font.name or ""
    kit.font, kit.font_family, kit.font_name = "", "", ""
    kit.save(update_fields=["font", "font_family", "font_name", "updated_at"])
    transaction.on_commit(lambda: storage.delete_stored(old))
    return kit
