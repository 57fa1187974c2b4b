"""build_settings: defaults the fake Postiz accepts, overrides validated before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from publishing.postiz import ProviderSettingsError, build_settings, youtube_title
from publishing.postiz.provider_settings import js_length
from tests.fakes.postiz_rules import create_errors, settings_errors

CAPTION = "Summer sneakers are here\n#shoes #sale"
TYPE_ONLY = ["threads", "bluesky", "mastodon", "telegram", "facebook", "linkedin", "linkedin-page"]


def errors_of(identifier: str, overrides: dict[str, Any] | None, caption: str = CAPTION) -> dict[str, str]:
    with pytest.raises(ProviderSettingsError) as caught:
        build_settings(identifier, caption=caption, overrides=overrides)
    return caught.value.errors


@pytest.mark.parametrize(
    ("identifier", "overrides"),
    [
        ("instagram", None),
        ("instagram-standalone", None),
        ("tiktok", None),
        ("youtube", None),
        ("x", None),
        ("pinterest", {"board": "board-123"}),
        *[(identifier, None) for identifier in TYPE_ONLY],
    ],
)
def test_it_builds_defaults_the_fake_postiz_accepts(identifier: str, overrides: dict[str, Any] | None) -> None:
    settings = build_settings(identifier, caption=CAPTION, overrides=overrides)
    body = {
        "type": "draft",
        "date": "2031-05-01T10:00:00Z",
        "shortLink": False,
        "tags": [],
        "posts": [
            {
                "integration": {"id": "i"},
                "value": [{"content": CAPTION, "image": [{"id": "m", "path": "http://f/m.mp4"}]}],
                "settings": settings,
            }
        ],
    }
    assert settings["__type"] == identifier
    assert settings_errors(identifier, settings, "settings") == []
    assert create_errors(body) == []


def test_it_fills_every_tiktok_field() -> None:
    assert build_settings("tiktok", caption=CAPTION, overrides=None) == {
        "__type": "tiktok",
        "privacy_level": "PUBLIC_TO_EVERYONE",
        "duet": False,
        "stitch": False,
        "comment": True,
        "autoAddMusic": "no",
        "brand_content_toggle": False,
        "brand_organic_toggle": False,
        "content_posting_method": "DIRECT_POST",
    }


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("instagram", {"__type": "instagram", "post_type": "post"}),
        ("instagram-standalone", {"__type": "instagram-standalone", "post_type": "post"}),
        ("youtube", {"__type": "youtube", "title": "Summer sneakers are here", "type": "public"}),
        ("x", {"__type": "x", "who_can_reply_post": "everyone"}),
        *[(identifier, {"__type": identifier}) for identifier in TYPE_ONLY],
    ],
)
def test_it_uses_the_documented_defaults(identifier: str, expected: dict[str, Any]) -> None:
    assert build_settings(identifier, caption=CAPTION, overrides=None) == expected


def test_it_requires_a_pinterest_board() -> None:
    errors = errors_of("pinterest", None)
    assert list(errors) == ["board"]
    assert "board" in errors["board"]
    assert "board" in errors_of("pinterest", {"board": "   "})
    assert build_settings("pinterest", caption=CAPTION, overrides={"board": "b1"}) == {
        "__type": "pinterest",
        "board": "b1",
    }


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("Great shoes\nsecond line", "Great shoes"),
        ("\n\n   Spaced   out   title  \nmore", "Spaced out title"),
        ("<b>Sale</b> today", "Sale today"),
        ("I <3 these", "I 3 these"),
        ("", "New video"),
        ("   ", "New video"),
        ("A", "A video"),
    ],
)
def test_it_derives_the_youtube_title_from_the_caption(caption: str, expected: str) -> None:
    assert youtube_title(caption) == expected


@pytest.mark.parametrize("caption", ["word " * 40, "x" * 150, "😀" * 80, "é" * 101])
def test_it_trims_long_titles_to_what_postiz_counts(caption: str) -> None:
    settings = build_settings("youtube", caption=caption, overrides=None)
    assert 2 <= js_length(settings["title"]) <= 100
    assert settings["title"].endswith("…")
    assert settings_errors("youtube", settings, "settings") == []


@pytest.mark.parametrize(
    ("identifier", "overrides", "field"),
    [
        ("tiktok", {"privacy_level": "EVERYONE"}, "privacy_level"),
        ("tiktok", {"autoAddMusic": True}, "autoAddMusic"),
        ("tiktok", {"duet": "false"}, "duet"),
        ("tiktok", {"content_posting_method": "direct_post"}, "content_posting_method"),
        ("youtube", {"type": "secret"}, "type"),
        ("youtube", {"title": "a"}, "title"),
        ("youtube", {"title": "x" * 101}, "title"),
        ("youtube", {"title": "<script> sale"}, "title"),
        ("youtube", {"title": 42}, "title"),
        ("instagram", {"post_type": "reel"}, "post_type"),
        ("x", {"who_can_reply_post": "nobody"}, "who_can_reply_post"),
        ("pinterest", {"board": 7}, "board"),
    ],
)
def test_it_rejects_invalid_overrides(identifier: str, overrides: dict[str, Any], field: str) -> None:
    assert field in errors_of(identifier, overrides)


def test_it_collects_every_error_at_once() -> None:
    errors = errors_of("tiktok", {"privacy_level": "ALL", "stitch": 1, "__secret": True})
    assert set(errors) == {"privacy_level", "stitch", "__secret"}
    assert "PUBLIC_TO_EVERYONE" in errors["privacy_level"], "the message lists the valid choices"


def test_it_applies_valid_overrides() -> None:
    tiktok = build_settings("tiktok", caption=CAPTION, overrides={"privacy_level": "SELF_ONLY", "duet": True})
    youtube = build_settings("youtube", caption=CAPTION, overrides={"title": "  My own title ", "type": "unlisted"})
    assert (tiktok["privacy_level"], tiktok["duet"], tiktok["stitch"]) == ("SELF_ONLY", True, False)
    assert youtube == {"__type": "youtube", "title": "My own title", "type": "unlisted"}


def test_it_keeps_the_default_for_a_null_override() -> None:
    assert (
        build_settings("x", caption=CAPTION, overrides={"who_can_reply_post": None})["who_can_reply_post"] == "everyone"
    )


def test_it_keeps_plain_overrides_for_other_fields_and_providers() -> None:
    discord = build_settings("discord", caption=CAPTION, overrides={"channel": "123", "flags": [1, 2]})
    tiktok = build_settings("tiktok", caption=CAPTION, overrides={"title": "Photo title"})
    assert discord == {"__type": "discord", "channel": "123", "flags": [1, 2]}
    assert tiktok["title"] == "Photo title"
    assert "channel" in errors_of("discord", {"channel": object()})
    assert "bad name" in errors_of("discord", {"bad name": 1})


def test_it_refuses_to_change_the_type() -> None:
    assert "__type" in errors_of("tiktok", {"__type": "x"})
    assert build_settings("tiktok", caption=CAPTION, overrides={"__type": "tiktok"})["__type"] == "tiktok"


@pytest.mark.parametrize("identifier", ["", "TikTok", "tik tok", "../x", None])
def test_it_rejects_bad_identifiers(identifier: Any) -> None:
    assert "identifier" in errors_of(identifier, None)


def test_it_rejects_overrides_that_are_not_an_object() -> None:
    assert "settings" in errors_of("x", ["who_can_reply_post"])  # type: ignore[arg-type]


def test_it_returns_a_fresh_dict() -> None:
    flags = [1, 2]
    first = build_settings("discord", caption=CAPTION, overrides={"flags": flags})
    flags.append(3)
    first["flags"].append(4)
    first["__type"] = "changed"
    again = build_settings("discord", caption=CAPTION, overrides={"flags": [1, 2]})
    assert again == {"__type": "discord", "flags": [1, 2]}
    assert first["flags"] == [1, 2, 4]


def test_its_error_is_a_value_error_with_a_readable_message() -> None:
    with pytest.raises(ValueError, match="board: "):
        build_settings("pinterest", caption=CAPTION, overrides=None)
