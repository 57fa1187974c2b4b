"""Every model that can hold a store's data is profile-scoped; the rest are listed with a reason.
A new model that is neither fails here."""

from __future__ import annotations

from django.apps import apps

from profiles.tenancy import ProfileScopedManager, ProfileScopedModel

PROJECT_APPS = {"profiles", "webhooks", "costs", "library", "publishing", "scopedapp"}
GLOBAL_MODELS = {
    "profiles.Profile": "the tenant itself; its rows are user-scoped (ProfileViewSet filters by request.user)",
}


def _project_models() -> list:
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def test_every_model_is_profile_scoped_or_explicitly_global() -> None:
    unlisted = [
        m._meta.label
        for m in _project_models()
        if not issubclass(m, ProfileScopedModel) and m._meta.label not in GLOBAL_MODELS
    ]
    assert not unlisted, f"models neither profile-scoped nor on the global allow-list: {unlisted}"


def test_scoped_models_default_to_the_fail_closed_manager() -> None:
    for model in _project_models():
        if issubclass(model, ProfileScopedModel):
            assert isinstance(model._default_manager, ProfileScopedManager), model._meta.label
            assert type(model._base_manager) is not ProfileScopedManager, model._meta.label


def test_the_allow_list_has_no_stale_entries() -> None:
    labels = {m._meta.label for m in _project_models()}
    assert set(GLOBAL_MODELS) <= labels
