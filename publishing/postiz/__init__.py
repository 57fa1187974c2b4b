"""Postiz adapter: typed client, one error type, provider settings (contract: POSTIZ.md)."""

from __future__ import annotations

from publishing.postiz.client import PostizClient, normalize_base_url
from publishing.postiz.errors import KEY_REJECTED, PostizError
from publishing.postiz.provider_settings import ProviderSettingsError, build_settings, youtube_title
from publishing.postiz.types import (
    POST_STATES,
    POST_TYPES,
    CreatedPost,
    Customer,
    Integration,
    PostItem,
    PostState,
    PostType,
    UploadedMedia,
)

__all__ = [
    "KEY_REJECTED",
    "POST_STATES",
    "POST_TYPES",
    "CreatedPost",
    "Customer",
    "Integration",
    "PostItem",
    "PostState",
    "PostType",
    "PostizClient",
    "PostizError",
    "ProviderSettingsError",
    "UploadedMedia",
    "build_settings",
    "normalize_base_url",
    "youtube_title",
]
