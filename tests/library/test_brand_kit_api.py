"""/api/v1/brand-kit/: one kit per profile, its colours and cards validated, its logo and font
checked by opening them, and no profile ever seeing or changing another's."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from library.models import BrandKit
from profiles.tenancy import unscoped
from tests.conftest import api_client_for
from tests.factories import BrandKitFactory

KIT = "/api/v1/brand-kit/"
LOGO = "/api/v1/brand-kit/logo/"
FONT = "/api/v1/brand-kit/font/"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>'


def picture(kind: str = "PNG", size: tuple[int, int] = (120, 60)) -> bytes:
    image = Image.new("RGBA" if kind in ("PNG", "WEBP") else "RGB", size, (230, 30, 60))
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def post_file(client: Any, url: str, name: str, data: bytes) -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(url, {"file": handle}, format="multipart")


def test_it_makes_the_kit_on_first_get_and_keeps_one_per_profile(cast: Any, alice_client: Any) -> None:
    first = alice_client.get(KIT)
    second = alice_client.get(KIT)
    assert first.status_code == 200 and first.json()["id"] == second.json()["id"]
    assert first.json()["has_logo"] is False and first.json()["logo_position"] == "top-right"
    with unscoped():
        assert BrandKit.all_objects.filter(profile=cast.store_a).count() == 1


def test_it_updates_colours_and_cards_and_refuses_bad_ones(alice_client: Any) -> None:
    no_template = alice_client.patch(KIT, {"outro_fields": {"call_to_action": "Shop"}}, format="json")
    assert no_template.status_code == 400 and "outro_fields" in no_template.json()
    ok = alice_client.patch(KIT, {"highlight_color": "#ff3366", "card_color": "#102040", "logo_opacity": 0.5,
                                  "intro_template": "announcement", "intro_fields": {"headline": "Summer sale"},
                                  "outro_template": "closing", "outro_fields": {"call_to_action": "Shop now"}},
                            format="json")  # fmt: skip
    assert ok.status_code == 200, ok.content
    assert ok.json()["highlight_color"] == "#FF3366" and ok.json()["intro_fields"] == {"headline": "Summer sale"}
    for body in ({"box_color": "red"}, {"text_color": "#12345"}, {"card_color": "#GGGGGG"},
                 {"highlight_color": "#FFFFFF;"}, {"logo_opacity": 2}, {"logo_position": "middle"},
                 {"intro_template": "nope"}, {"intro_fields": {"headline": "x" * 500}},
                 {"outro_fields": {"unknown": "x"}}, {"intro_fields": ["not", "an", "object"]}):  # fmt: skip
        response = alice_client.patch(KIT, body, format="json")
        assert response.status_code == 400, (body, response.status_code, response.content[:200])
    assert alice_client.get(KIT).json()["highlight_color"] == "#FF3366"


def test_a_png_or_webp_logo_is_stored_reencoded_under_the_profiles_brand_folder(
    cast: Any, alice_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = post_file(alice_client, LOGO, "logo.webp", picture("WEBP"))
    assert response.status_code == 200, response.content
    assert response.json()["has_logo"] and (response.json()["logo_width"], response.json()["logo_height"]) == (120, 60)
    with unscoped():
        kit = BrandKit.all_objects.get(profile=cast.store_a)
    assert kit.logo.name.startswith(f"{cast.store_a.pk}/brand/logo-") and kit.logo.name.endswith(".png")
    with default_storage.open(kit.logo.name, "rb") as handle:
        assert Image.open(handle).format == "PNG"
    first = kit.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        assert post_file(alice_client, LOGO, "logo.png", picture("PNG")).status_code == 200
    assert not default_storage.exists(first), "the replaced logo is removed"
    with unscoped():
        second = BrandKit.all_objects.get(profile=cast.store_a).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        deleted = alice_client.delete(LOGO)
    assert deleted.status_code == 200 and deleted.json()["has_logo"] is False
    assert not default_storage.exists(second)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("logo.svg", SVG),
        ("logo.png", SVG),  # an SVG renamed
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"not really a png" * 20),  # a fake PNG: the signature, then junk
        ("logo.png", picture("GIF")),
        ("logo.png", Image.new("RGB", (64, 64)).tobytes()),  # raw pixels, no format at all
        ("logo.png", picture("PNG", (8, 8))),  # too small to see
        ("logo.png", b""),
    ],
)
def test_anything_but_a_real_png_or_webp_logo_is_a_400(alice_client: Any, name: str, data: bytes) -> None:
    response = post_file(alice_client, LOGO, name, data)
    assert response.status_code == 400, response.content
    assert alice_client.get(KIT).json()["has_logo"] is False


def test_a_font_is_checked_by_opening_it_and_its_family_read(cast: Any, alice_client: Any) -> None:
    response = post_file(alice_client, FONT, "brand.ttf", DEJAVU.read_bytes())
    assert response.status_code == 200, response.content
    assert response.json()["font_family"] == "DejaVu Serif" and response.json()["font_name"] == "brand.ttf"
    with unscoped():
        assert BrandKit.all_objects.get(profile=cast.store_a).font.name.startswith(f"{cast.store_a.pk}/brand/font-")
    truncated = DEJAVU.read_bytes()[:2000]
    for name, data in (("x.ttf", b"\x00\x01\x00\x00" + b"junk" * 100), ("x.ttf", truncated), ("x.otf", SVG),
                       ("x.woff", b"wOFF" + b"\x00" * 200)):  # fmt: skip
        assert post_file(alice_client, FONT, name, data).status_code == 400, name
    assert alice_client.get(KIT).json()["font_family"] == "DejaVu Serif"
    assert alice_client.delete(FONT).json()["has_font"] is False


@pytest.mark.parametrize("family", ["X}{\\p1}m 0 0", "DejaVu{Serif", "DejaVu}Serif", "DejaVu\\Serif"])
def test_a_font_whose_family_could_break_out_of_an_ass_tag_is_a_400(alice_client: Any, family: str) -> None:
    """Review finding 7: the family goes into {\\fn...} override tags: '{', '}' or '\\' in it
    would end the tag or start another one. The font is DejaVu Serif renamed (same length)."""
    assert len(family) == len("DejaVu Serif")
    data = DEJAVU.read_bytes().replace("DejaVu Serif".encode("utf-16-be"), family.encode("utf-16-be"))
    data = data.replace(b"DejaVu Serif", family.encode())
    response = post_file(alice_client, FONT, "brand.ttf", data)
    assert response.status_code == 400, response.content
    assert "family" in str(response.json()) and alice_client.get(KIT).json()["has_font"] is False


def test_each_profile_sees_and_changes_only_its_own_kit(cast: Any, alice_client: Any) -> None:
    bobs = BrandKitFactory(profile=cast.bob_store, highlight_color="#00FF00")
    store_b = BrandKitFactory(profile=cast.store_b, highlight_color="#0000FF")
    mine = alice_client.get(KIT).json()
    assert mine["id"] not in (str(bobs.pk), str(store_b.pk)) and mine["highlight_color"] == ""
    alice_client.patch(KIT, {"highlight_color": "#111111"}, format="json")
    assert post_file(alice_client, LOGO, "logo.png", picture()).status_code == 200
    with unscoped():
        bobs.refresh_from_db()
        store_b.refresh_from_db()
    assert (bobs.highlight_color, bobs.logo.name) == ("#00FF00", "")
    assert (store_b.highlight_color, store_b.logo.name) == ("#0000FF", "")
    # Store B (header) gets its own kit, not Store A's.
    other = api_client_for(cast.alice, cast.store_b).get(KIT).json()
    assert other["id"] == str(store_b.pk) and other["has_logo"] is False
    # Bob cannot name Store A's profile to reach its kit.
    assert api_client_for(cast.bob, cast.store_a).get(KIT).status_code == 403


def test_a_render_uses_only_its_own_profiles_brand_kit(cast: Any) -> None:
    from library.services.brand_render import brand_kit_current
    from profiles.tenancy import profile_scope

    kit = BrandKitFactory(profile=cast.store_a)
    with profile_scope(cast.store_b):
        assert brand_kit_current() is None
    with profile_scope(cast.bob_store):
        assert brand_kit_current() is None
    with profile_scope(cast.store_a):
        assert brand_kit_current() == kit


def test_prune_media_keeps_the_brand_kits_files(cast: Any, alice_client: Any) -> None:
    from datetime import timedelta

    from library.services.prune import media_prune

    assert post_file(alice_client, LOGO, "logo.png", picture()).status_code == 200
    assert post_file(alice_client, FONT, "brand.ttf", DEJAVU.read_bytes()).status_code == 200
    with unscoped():
        kit = BrandKit.all_objects.get(profile=cast.store_a)
    report = media_prune(profile_id=cast.store_a.pk, older_than=timedelta(0))
    assert report.removed == []
    assert default_storage.exists(kit.logo.name) and default_storage.exists(kit.font.name)
