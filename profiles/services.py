"""Writes for users and profiles."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from profiles.errors import Conflict, Invalid
from profiles.models import APIKeyScope, Profile, ProfileAPIKey
from profiles.outbound import OutboundURLError, header_value_is_safe, outbound_url_validate
from profiles.tenancy import scoped_profile

logger = logging.getLogger(__name__)
User = get_user_model()

if TYPE_CHECKING:
    from django.contrib.auth.models import User as AuthUser

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


# The library plugs in here (profiles cannot import it). VOICE_CHECKS(profile=...) refuse a voice
# the profile may not use, inside its scope (a 400); PROFILE_DELETE_HOOKS(profile=...) run inside
# the deletion's transaction and arrange, on commit, the deletion of what the profile owned at
# a provider (its cloned voices).
VOICE_CHECKS: list[Callable[..., None]] = []
PROFILE_DELETE_HOOKS: list[Callable[..., None]] = []


class CannotDeleteDefaultProfile(Exception):
    message = "Cannot delete default profile. Set another profile as default first."


POSTIZ_KEY_UNUSABLE = (
    "The Postiz API key can only contain printable ASCII characters (letters, digits, punctuation); "
    "copy it again from Postiz."
)


def _postiz_settings_check(*, profile: Profile, fields: set[str]) -> None:
    """What full_clean() cannot know: the URL must be one the install may call for a tenant
    (profiles.outbound: public addresses only), the key one an HTTP header can carry. Checked
    when they are set, so an unrelated edit never trips over a URL saved earlier (connecting to
    it is checked again anyway)."""
    errors = {}
    if "postiz_api_url" in fields and profile.postiz_api_url:
        try:
            outbound_url_validate(profile.postiz_api_url)
        except OutboundURLError as exc:
            errors["postiz_api_url"] = [str(exc)]
    if "postiz_api_key" in fields and not header_value_is_safe(profile.postiz_api_key or ""):
        errors["postiz_api_key"] = [POSTIZ_KEY_UNUSABLE]
    if errors:
        raise ValidationError(errors)


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
def profile_create(*, user: AuthUser, name: str, **fields: Any) -> Profile:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    # A budget unless the caller chose one (None included): a fresh sign-up cannot spend the
    # install's provider keys without limit.
    fields.setdefault("monthly_budget_usd", settings.DEFAULT_MONTHLY_BUDGET_USD)
    # Lock the user's row so two concurrent first profiles cannot both become the default.
    User.objects.select_for_update().filter(pk=user.pk).first()
    is_first = not Profile.objects.filter(user=user).exists()
    profile = Profile(user=user, name=name, is_default=is_first, **fields)
    profile.full_clean()
    _postiz_settings_check(profile=profile, fields=set(fields))
    _voice_check(profile=profile, fields=set(fields))
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
        _postiz_settings_check(profile=profile, fields=set(changed))
        _voice_check(profile=profile, fields=set(changed))
        profile.save(update_fields=[*changed, "updated_at"])
    return profile


def _voice_check(*, profile: Profile, fields: set[str]) -> None:
    """The profile's voice, when it or the provider changes: one of the profile's voices."""
    if profile.tts_voice_id and {"tts_voice_id", "tts_provider"} & fields:
        for check in VOICE_CHECKS:
            check(profile=profile)


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
    for hook in PROFILE_DELETE_HOOKS:
        hook(profile=locked)
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
    Profile.objects.filter(pk=profile.pk).update(postiz_error=error[:300], postiz_checked_at=timezone.now())


# -- API keys (a machine's access to one profile; see profiles.models.ProfileAPIKey) -----------

MAX_ACTIVE_API_KEYS = 50


@transaction.atomic
def api_key_create(
    *, name: str, scopes: list[str] | None = None, expires_at: datetime | None = None
) -> tuple[ProfileAPIKey, str]:
    """A new key of the current profile; returns the row and the key, which exists nowhere else
    (only its hash is stored): the caller shows it once."""
    profile = scoped_profile()
    Profile.objects.select_for_update().filter(pk=profile.pk).values_list("pk", flat=True).first()
    if ProfileAPIKey.objects.filter(revoked=False).count() >= MAX_ACTIVE_API_KEYS:
        raise Conflict(f"A profile may have at most {MAX_ACTIVE_API_KEYS} active API keys; revoke one first.")
    wanted = set(scopes or [APIKeyScope.READ, APIKeyScope.WRITE])
    if APIKeyScope.WRITE in wanted:
        wanted.add(APIKeyScope.READ)  # writing includes reading
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid({"expires_at": ["Must be in the future."]})
    key = ProfileAPIKey(name=name, scopes=[s for s in APIKeyScope.values if s in wanted], expiry_date=expires_at)
    raw = ProfileAPIKey.objects.assign_key(key)
    key.full_clean()
    key.save()
    logger.info("API key %s (%s) created", key.prefix, key.name)
    return key, raw


def api_key_revoke(*, key: ProfileAPIKey) -> ProfileAPIKey:
    """Revoked keys stop working at once and for good (the library refuses to un-revoke)."""
    key.revoked, key.revoked_at = True, timezone.now()
    key.save(update_fields=["revoked", "revoked_at"])
    logger.info("API key %s (%s) revoked", key.prefix, key.name)
    return key
