"""Writes for users and profiles."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.files.storage import default_storage
from django.db import transaction

from profiles.models import Profile

logger = logging.getLogger(__name__)
User = get_user_model()

DEFAULT_PROFILE_NAME = "My store"
PROFILE_FIELDS = (
    "name",
    "description",
    "tts_provider",
    "tts_voice_id",
    "tts_settings",
    "caption_style",
    "postiz_api_url",
    "postiz_api_key",
    "monthly_budget_usd",
)


class CannotDeleteDefaultProfile(Exception):
    message = "Cannot delete default profile. Set another profile as default first."


@transaction.atomic
def user_register(*, username: str, email: str, password: str) -> Any:
    user = User(username=username, email=email)
    validate_password(password, user=user)
    user.set_password(password)
    user.full_clean()
    user.save()
    profile_create(user=user, name=DEFAULT_PROFILE_NAME)
    return user


@transaction.atomic
def profile_create(*, user: Any, name: str, **fields: Any) -> Profile:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    # Lock the user's row so two concurrent first profiles cannot both become the default.
    User.objects.select_for_update().filter(pk=user.pk).first()
    is_first = not Profile.objects.filter(user=user).exists()
    profile = Profile(user=user, name=name, is_default=is_first, **fields)
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def profile_update(*, profile: Profile, data: dict[str, Any]) -> Profile:
    changed = []
    for field, value in data.items():
        if field not in PROFILE_FIELDS:
            raise TypeError(f"profile field {field!r} cannot be updated")
        setattr(profile, field, value)
        changed.append(field)
    if {"postiz_api_url", "postiz_api_key"} & set(changed):
        profile.postiz_error = ""  # a new key or URL deserves a fresh check
        changed.append("postiz_error")
    if changed:
        profile.full_clean()
        profile.save(update_fields=[*changed, "updated_at"])
    return profile


@transaction.atomic
def profile_set_default(*, profile: Profile) -> Profile:
    """Move the user's default to `profile`; the partial unique constraint keeps it single."""
    User.objects.select_for_update().filter(pk=profile.user_id).first()
    Profile.objects.filter(user_id=profile.user_id, is_default=True).exclude(pk=profile.pk).update(is_default=False)
    Profile.objects.filter(pk=profile.pk).update(is_default=True)
    profile.is_default = True
    return profile


@transaction.atomic
def profile_delete(*, profile: Profile) -> None:
    """Delete a profile and, once that commits, its media and temp files."""
    locked = Profile.objects.select_for_update().get(pk=profile.pk)
    if locked.is_default:
        raise CannotDeleteDefaultProfile(CannotDeleteDefaultProfile.message)
    profile_id = str(profile.pk)
    locked.delete()
    transaction.on_commit(lambda: profile_files_delete(profile_id=profile_id))


def _delete_stored_tree(folder: str) -> None:
    """Every stored file under `folder`, on storage without local paths (an S3 bucket)."""
    dirs, files = default_storage.listdir(folder)
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    for name in dirs:
        _delete_stored_tree(f"{folder}/{name}")


def profile_files_delete(*, profile_id: str) -> None:
    """The profile's stored media (local disk or object storage) and this machine's temp files;
    workspaces left on other worker machines are swept there as orphans (cleanup_temp)."""
    try:
        media = Path(default_storage.path(profile_id))
    except NotImplementedError:
        _delete_stored_tree(profile_id)
    else:
        shutil.rmtree(media, ignore_errors=True)
    shutil.rmtree(Path(settings.TEMP_ROOT) / profile_id, ignore_errors=True)
    logger.info("removed the files of deleted profile %s", profile_id)


def profile_postiz_checked(*, profile: Profile, error: str = "") -> None:
    """Record the outcome of talking to the profile's Postiz ("" when it went fine)."""
    from django.utils import timezone

    Profile.objects.filter(pk=profile.pk).update(postiz_error=error[:300], postiz_checked_at=timezone.now())
