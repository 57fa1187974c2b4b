"""Reads of profiles and their users, for views, commands and the dashboard.

Profiles are user-scoped, not profile-scoped: every read that a request makes names the user,
so another user's profile is simply not found (404), never refused (403).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from profiles.models import Profile, ProfileAPIKey

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def profile_list(*, user: User) -> QuerySet[Profile]:
    """The user's own profiles (the profile API's queryset)."""
    return Profile.objects.filter(user=user)


def profile_get(*, user: User, pk: uuid.UUID | str) -> Profile | None:
    """One of the user's profiles, or None when it is not theirs or does not exist."""
    return profile_list(user=user).filter(pk=pk).first()


def profile_default_get(*, user: User) -> Profile:
    return Profile.objects.get(user=user, is_default=True)


def profile_exists(*, profile_id: uuid.UUID) -> bool:
    return Profile.objects.filter(pk=profile_id).exists()


def user_with_profiles_get(*, user_id: int) -> User:
    """The user with its profiles prefetched (one query for the user, one for the profiles)."""
    user: User = get_user_model().objects.prefetch_related("profiles").get(pk=user_id)
    return user


def user_exists(*, username: str) -> bool:
    return get_user_model().objects.filter(username=username).exists()


def api_key_list() -> QuerySet[ProfileAPIKey]:
    """The current profile's usable keys (revoked ones stay in the admin, for the record)."""
    return ProfileAPIKey.objects.filter(revoked=False).order_by("-created")
