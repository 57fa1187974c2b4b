"""The rules the fake Postiz enforces, written from ../shared/POSTIZ.md (not from our adapter).

Validation messages imitate class-validator's ("posts.0.settings.title must be longer than or
equal to 2 characters"), so error bodies look like the real server's.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

POST_TYPES = ("draft", "schedule", "now", "update")
MEDIA_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".mp4")
UNSUPPORTED = "Unsupported file type. Valid extensions: .png, .jpg, .jpeg, .gif, .webp, .mp4"
THROTTLED = {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
# ISO boxes that are not "mp4" to a content sniffer: QuickTime, audio-only, HEIF.
NOT_MP4_BRANDS = {b"qt  ", b"M4A ", b"M4B ", b"M4P ", b"heic", b"heix", b"mif1", b"msf1"}

# Provider settings rules, straight from POSTIZ.md: field -> ("enum", values) | ("bool",) | ("text", min, max).
RULES: dict[str, dict[str, tuple[Any, ...]]] = {
    "instagram": {"post_type": ("enum", ("post", "story"))},
    "instagram-standalone": {"post_type": ("enum", ("post", "story"))},
    "tiktok": {
        "privacy_level": (
            "enum",
            ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"),
        ),
        "duet": ("bool",),
        "stitch": ("bool",),
        "comment": ("bool",),
        "autoAddMusic": ("enum", ("yes", "no")),
        "brand_content_toggle": ("bool",),
        "brand_organic_toggle": ("bool",),
        "content_posting_method": ("enum", ("DIRECT_POST", "UPLOAD")),
    },
    "youtube": {"title": ("text", 2, 100), "type": ("enum", ("public", "private", "unlisted"))},
    "x": {"who_can_reply_post": ("enum", ("everyone", "following", "mentionedUsers", "subscribers", "verified"))},
    "pinterest": {"board": ("text", 1, None)},
}
NEEDS_VIDEO = ("instagram", "instagram-standalone", "tiktok", "youtube")


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not _ISO.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def js_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sniff(data: bytes) -> tuple[str, str] | None:
    """(kind, extension) from the bytes, like Postiz's file-type check; None when unsupported."""
    if data[:3] == b"\xff\xd8\xff":
        return "image", "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image", "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image", "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image", "webp"
    if data[:2] == b"BM":
        return "image", "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image", "tiff"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"avif", b"avis"):
            return "image", "avif"
        return None if brand in NOT_MP4_BRANDS else ("video", "mp4")
    return None  # includes WebM/Matroska (1A 45 DF A3)


def settings_errors(identifier: str, settings: dict[str, Any], prefix: str) -> list[str]:
    errors = []
    for name, rule in RULES.get(identifier, {}).items():
        where, value = f"{prefix}.{name}", settings.get(name)
        if value is None:
            errors.append(f"{where} should not be empty")
        elif rule[0] == "enum" and value not in rule[1]:
            errors.append(f"{where} must be one of the following values: {', '.join(rule[1])}")
        elif rule[0] == "bool" and not isinstance(value, bool):
            errors.append(f"{where} must be a boolean value")
        elif rule[0] == "text":
            if not isinstance(value, str):
                errors.append(f"{where} must be a string")
            elif js_len(value) < rule[1]:
                errors.append(f"{where} must be longer than or equal to {rule[1]} characters")
            elif rule[2] is not None and js_len(value) > rule[2]:
                errors.append(f"{where} must be shorter than or equal to {rule[2]} characters")
    return errors


def create_errors(body: Any) -> list[str]:
    """class-validator style messages for a CreatePost body (empty when valid)."""
    if not isinstance(body, dict):
        return ["body must be an object"]
    errors = []
    if body.get("type") not in POST_TYPES:
        errors.append(f"type must be one of the following values: {', '.join(POST_TYPES)}")
    if parse_iso(body.get("date")) is None:
        errors.append("date must be a valid ISO 8601 date string")
    if not isinstance(body.get("shortLink"), bool):
        errors.append("shortLink must be a boolean value")
    tags = body.get("tags")
    if not isinstance(tags, list):
        errors.append("tags must be an array")
    else:
        for i, tag in enumerate(tags):
            if not (isinstance(tag, dict) and isinstance(tag.get("value"), str) and isinstance(tag.get("label"), str)):
                errors.append(f"tags.{i} must have string value and label")
    posts = body.get("posts")
    if not isinstance(posts, list) or not posts:
        errors.append("posts must contain at least 1 elements")
        return errors
    for i, post in enumerate(posts):
        errors += _post_errors(post, f"posts.{i}")
    return errors


def _post_errors(post: Any, at: str) -> list[str]:
    if not isinstance(post, dict):
        return [f"{at} must be an object"]
    errors = []
    integration = post.get("integration")
    if not (isinstance(integration, dict) and isinstance(integration.get("id"), str) and integration["id"]):
        errors.append(f"{at}.integration.id must be a string")
    if "group" in post and not isinstance(post["group"], str):
        errors.append(f"{at}.group must be a string")
    values = post.get("value")
    if not isinstance(values, list) or not values:
        errors.append(f"{at}.value must contain at least 1 elements")
        values = []
    for j, value in enumerate(values):
        where = f"{at}.value.{j}"
        if not isinstance(value, dict):
            errors.append(f"{where} must be an object")
            continue
        images = value.get("image")
        if not isinstance(images, list):
            errors.append(f"{where}.image must be an array")
            images = []
        content = value.get("content")
        if not isinstance(content, str):
            errors.append(f"{where}.content must be a string")
        elif not content.strip() and not images:
            errors.append(f"{where}.content should not be empty")
        for k, image in enumerate(images):
            if not (
                isinstance(image, dict) and isinstance(image.get("id"), str) and isinstance(image.get("path"), str)
            ):
                errors.append(f"{where}.image.{k} must have string id and path")
            elif not image["path"].lower().endswith(MEDIA_EXTENSIONS):
                errors.append(f"{where}.image.{k}.path must end with {' '.join(MEDIA_EXTENSIONS)}")
    settings = post.get("settings")
    if not (isinstance(settings, dict) and isinstance(settings.get("__type"), str) and settings["__type"]):
        errors.append(f"{at}.settings.__type must be a string")
    else:
        errors += settings_errors(settings["__type"], settings, f"{at}.settings")
    return errors


def bad_request(message: Any) -> dict[str, Any]:
    return {"statusCode": 400, "message": message, "error": "Bad Request"}


def new_id() -> str:
    return secrets.token_hex(6)


def parse_multipart(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """name -> (filename, bytes). Exact bytes: no line-ending games of the email parser."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        return {}
    parts: dict[str, tuple[str | None, bytes]] = {}
    for chunk in raw.split(b"--" + match.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        head_text = head.decode("utf-8", "replace")
        name = re.search(r'name="([^"]*)"', head_text)
        filename = re.search(r'filename="([^"]*)"', head_text)
        if name:
            parts[name.group(1)] = (filename.group(1) if filename else None, data.removesuffix(b"\r\n"))
    return parts
