"""Caption style (issue 14, point 9): one validator, used everywhere a style is accepted (profile,
clip content, one-click): known keys only, types, ranges, colours as #RRGGBB, fonts from the
installed families, no control characters. A newline in `font` used to inject sections into
the .ass file the renderer hands to libass."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from library.media import captions
from library.models import Job
from profiles.models import Profile

INJECTED = (
    "Noto Sans\n[Events]\nFormat: Layer, Start, End, Style, Text\nDialogue: 0,0:00:00.00,0:00:09.00,Caption,INJECTED"
)
WORDS = [captions.Word("Hello", 0.0, 0.4), captions.Word("world.", 0.4, 0.9)]


def _sections(text: str) -> list[str]:
    return re.findall(r"^\[[^\]]+\]$", text, flags=re.MULTILINE)


def test_a_newline_in_a_stored_font_cannot_inject_into_the_ass_file(tmp_path: Path) -> None:
    """Rows saved before the validator existed still render safely: a font that is not an
    installed family (a newline, a comma, anything) falls back to the automatic choice."""
    path = captions.write_ass(WORDS, tmp_path / "c.ass", width=1080, height=1920, style={"font": INJECTED})
    text = path.read_text()
    assert _sections(text) == ["[Script Info]", "[V4+ Styles]", "[Events]"]
    assert "INJECTED" not in text
    [style] = [line for line in text.splitlines() if line.startswith("Style: Caption,")]
    assert style.split(",")[1] == "Noto Sans"
    assert sum(line.startswith("Dialogue:") for line in text.splitlines()) == 2  # karaoke: one per word


def test_the_profile_refuses_a_bad_style_field_by_field(cast: Any, alice_client: Any) -> None:
    url = f"/api/v1/profiles/{cast.store_a.pk}/"
    response = alice_client.patch(url, {"caption_style": {
        "font": INJECTED, "size": "big", "color": "red", "outline": 99, "colour": "#FFFFFF",
    }}, format="json")  # fmt: skip
    assert response.status_code == 400, response.content
    errors = response.json()["caption_style"]
    assert set(errors) == {"font", "size", "color", "outline", "colour"}
    assert "control" in str(errors["font"]) and "#RRGGBB" in str(errors["color"])
    assert Profile.objects.get(pk=cast.store_a.pk).caption_style == {}
    good = alice_client.patch(
        url, {"caption_style": {"font": "dejavu sans", "color": "#ff00aa", "size": 80}}, format="json"
    )
    assert good.status_code == 200, good.content
    assert good.json()["caption_style"] == {"font": "DejaVu Sans", "color": "#FF00AA", "size": 80}


def test_clip_content_refuses_a_bad_style(alice_client: Any, store: dict) -> None:
    url = f"/api/v1/library/clips/{store['clip'].pk}/content/"
    response = alice_client.put(url, {"caption_style": {"font": INJECTED}}, format="json")
    assert response.status_code == 400, response.content
    assert "font" in response.json()["caption_style"]
    unknown = alice_client.put(url, {"caption_style": {"font": "Comic Sans Nowhere"}}, format="json")
    assert "not an installed font" in str(unknown.json()["caption_style"]["font"])
    store["clip"].refresh_from_db()
    assert store["clip"].caption_style == {}
    assert (
        alice_client.put(url, {"caption_style": {"preset": "pop", "position": "top"}}, format="json").status_code == 200
    )


def test_one_click_refuses_a_bad_style(alice_client: Any, store: dict) -> None:
    response = alice_client.post("/api/v1/library/one-click/", {
        "source_video": str(store["video"].pk), "variant_count": 1, "caption_style": {"font": INJECTED},
    }, format="json")  # fmt: skip
    assert response.status_code == 400, response.content
    assert "font" in response.json()["caption_style"]
    assert not Job.all_objects.exists()


@pytest.mark.parametrize(
    ("style", "key"),
    [
        ({"preset": "sparkle"}, "preset"),
        ({"position": "left"}, "position"),
        ({"size": True}, "size"),
        ({"size": 5}, "size"),
        ({"size": 12.5}, "size"),
        ({"outline": -1}, "outline"),
        ({"shadow": "1"}, "shadow"),
        ({"bold": "yes"}, "bold"),
        ({"uppercase": 1}, "uppercase"),
        ({"highlight_color": "#FFF"}, "highlight_color"),
        ({"outline_color": "&H00FFFFFF"}, "outline_color"),
        ({"color": "FFFFFF"}, "color"),
        ({"margin_v": 80}, "margin_v"),
        ({"margin_h": -2}, "margin_h"),
        ({"font": "Noto\tSans"}, "font"),
        ({"font": "x" * 200}, "font"),
        ({"font": 7}, "font"),
        ({"Font": "Noto Sans"}, "Font"),
    ],
)
def test_each_rule(style: dict, key: str) -> None:
    from library.media.caption_style import StyleError, validate_style

    with pytest.raises(StyleError) as refused:
        validate_style(style)
    assert set(refused.value.errors) == {key}


def test_a_full_valid_style_is_kept_and_defaults_are_valid() -> None:
    from library.media.caption_style import DEFAULT_STYLE, validate_style

    full = {**DEFAULT_STYLE, "font": "Noto Sans", "size": 64, "outline": 2.5, "margin_v": 10, "margin_h": 5}
    assert validate_style(full) == full
    assert validate_style({}) == {}
    with pytest.raises(Exception, match="JSON object"):
        validate_style(["preset", "karaoke"])  # type: ignore[arg-type]


def test_the_admin_refuses_a_bad_style_too(cast: Any, admin_client: Any) -> None:
    page = f"/admin/profiles/profile/{cast.store_a.pk}/change/"
    form = {
        "name": cast.store_a.name, "is_default": "on", "description": "", "monthly_budget_usd": "", "tts_provider": "",
        "tts_voice_id": "", "tts_settings": "{}", "postiz_api_url": "",
        "caption_style": json.dumps({"font": INJECTED}),
    }  # fmt: skip
    response = admin_client.post(page, form)
    assert response.status_code == 200  # the form again, with the error
    assert "control characters" in response.content.decode()
    assert Profile.objects.get(pk=cast.store_a.pk).caption_style == {}
    form["caption_style"] = json.dumps({"preset": "plain", "color": "#00ff00"})
    assert admin_client.post(page, form).status_code == 302
    assert Profile.objects.get(pk=cast.store_a.pk).caption_style == {"preset": "plain", "color": "#00FF00"}
