"""Tenancy core: the profile scope and the models and managers that enforce it.

The active profile lives in a ContextVar. Scoped models' default manager filters on it and raises
ScopeError when there is none, so a forgotten scope fails loudly instead of leaking or hiding
rows. `unscoped()` is the one explicit way to work across profiles (admin, operator commands).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

if TYPE_CHECKING:
    from profiles.models import Profile

_current_profile: ContextVar[Profile | None] = ContextVar("current_profile", default=None)
_unscoped: ContextVar[bool] = ContextVar("unscoped", default=False)

F = TypeVar("F", bound=Callable[..., Any])


class ScopeError(RuntimeError):
    """A profile-scoped model was used without a scope, or under the wrong one."""


def current_profile() -> Profile | None:
    return _current_profile.get()


def scoped_profile() -> Profile:
    """The current profile where code only ever runs inside a scope (API views behind the
    middleware, jobs): typed without the None that current_profile() allows."""
    profile = _current_profile.get()
    if profile is None:
        raise ScopeError("this code runs only inside a profile scope")
    return profile


def current_profile_id() -> UUID | None:
    profile = _current_profile.get()
    return profile.pk if profile is not None else None


def is_unscoped() -> bool:
    return _unscoped.get() and _current_profile.get() is None


@contextmanager
def profile_scope(profile: Profile) -> Iterator[Profile]:
    """Run the block as `profile`. Always restores the previous scope, even on error."""
    if profile is None or profile.pk is None:
        raise ScopeError("profile_scope() needs a saved profile")
    token = _current_profile.set(profile)
    unscoped_token = _unscoped.set(False)
    try:
        yield profile
    finally:
        _unscoped.reset(unscoped_token)
        _current_profile.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """The explicit bypass: scoped managers return every profile's rows inside this block."""
    token = _current_profile.set(None)
    unscoped_token = _unscoped.set(True)
    try:
        yield
    finally:
        _unscoped.reset(unscoped_token)
        _current_profile.reset(token)


def scoped_task(func: F) -> F:
    """Decorate a django-q2 entry point that receives `profile_id=` in its kwargs: the function
    runs inside that profile's scope, whatever scope (none, usually) the worker had."""

    @functools.wraps(func)
    def wrapper(*args: Any, profile_id: UUID | str, **kwargs: Any) -> Any:
        # From the registry, not an import: profiles.models builds on this module.
        profile_model = apps.get_model("profiles", "Profile")
        with unscoped():
            profile = profile_model.objects.get(pk=profile_id)
        with profile_scope(profile):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class ProfileScopedQuerySet(models.QuerySet):
    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        # bulk_create skips save(); stamp and check here so it cannot write across profiles.
        objs = list(objs)
        for obj in objs:
            obj._stamp_profile()
        return super().bulk_create(objs, *args, **kwargs)


_ScopedManagerBase = models.Manager.from_queryset(ProfileScopedQuerySet)


class ProfileScopedManager(_ScopedManagerBase):
    """Default manager of scoped models: only the current profile's rows, or ScopeError."""

    def get_queryset(self) -> models.QuerySet:
        qs = super().get_queryset()
        profile = _current_profile.get()
        if profile is not None:
            return qs.filter(profile=profile)
        if _unscoped.get():
            return qs
        raise ScopeError(
            f"{self.model.__name__}.objects used outside a profile scope; "
            "wrap the work in profile_scope(profile) or, for cross-profile work, unscoped()"
        )


class ProfileScopedModel(models.Model):
    profile = models.ForeignKey("profiles.Profile", on_delete=models.CASCADE, editable=False, related_name="+")

    objects = ProfileScopedManager()
    all_objects = models.Manager()  # noqa: DJ012  (the explicit, unscoped manager)

    class Meta:
        abstract = True
        # Django's internals (cascades, forward relations) go through the base manager; keep
        # it plain so a profile's deletion can collect its rows.
        base_manager_name = "all_objects"
        default_manager_name = "objects"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._stamp_profile()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._stamp_profile()
        return super().delete(*args, **kwargs)

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        # Stamp first, so uniqueness per profile is checked against the right profile's rows.
        if self.profile_id is None and _current_profile.get() is not None:
            self.profile = _current_profile.get()
        super().full_clean(*args, **kwargs)

    def clean(self) -> None:
        """Cross-row integrity: every reference to another scoped row must stay inside this
        row's profile (a clip's project, a job's source video...)."""
        super().clean()
        profile_id = self.profile_id or current_profile_id()
        errors = {}
        for field in self._meta.concrete_fields:
            related = field.related_model
            if not (field.many_to_one and field.name != "profile" and isinstance(related, type)):
                continue
            if not issubclass(related, ProfileScopedModel) or getattr(self, field.attname) is None:
                continue
            if cast("models.ForeignKey[Any, Any]", field).is_cached(self):  # many_to_one: a ForeignKey
                owner = getattr(self, field.name).profile_id
            else:
                rows = related.all_objects.filter(pk=getattr(self, field.attname))
                owner = rows.values_list("profile_id", flat=True).first()
            if owner != profile_id:
                errors[field.name] = f"{str(related._meta.verbose_name).capitalize()} not found."
        if errors:
            raise ValidationError(errors)

    def _stamp_profile(self) -> None:
        profile = _current_profile.get()
        if self.profile_id is None:
            if profile is None:
                raise ScopeError(f"cannot save a new {type(self).__name__} outside a profile scope")
            self.profile = profile
        elif profile is not None:
            if self.profile_id != profile.pk:
                raise ScopeError(
                    f"{type(self).__name__} belongs to profile {self.profile_id}, "
                    f"not to the active profile {profile.pk}"
                )
        elif not _unscoped.get():
            raise ScopeError(f"cannot save {type(self).__name__} outside a profile scope")
