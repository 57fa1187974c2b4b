"""The Support group (data migration) and createsupportuser."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from profiles.support import SUPPORT_GROUP, VIEW_APPS
from tests.conftest import PASSWORD

MIGRATION = ("profiles", "0003_support_group")


def _expected() -> set[tuple[str, str]]:
    """View on every model (proxies included) of the product's apps and q2, change on Job."""
    views = {
        (label, f"view_{m._meta.model_name}") for label in VIEW_APPS for m in apps.get_app_config(label).get_models()
    }
    return views | {("library", "change_job")}


def _granted(group: Group) -> set[tuple[str, str]]:
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def _create(*args: str) -> str:
    out = StringIO()
    call_command("createsupportuser", *args, stdout=out)
    return out.getvalue()


def test_the_migration_creates_the_group_with_exactly_these_permissions(db: Any) -> None:
    Group.objects.filter(name=SUPPORT_GROUP).delete()
    executor = MigrationExecutor(connection)
    state_apps = executor.loader.project_state(MIGRATION).apps
    migration = executor.loader.get_migration(*MIGRATION)
    migration.operations[0].code(state_apps, None)

    granted = _granted(Group.objects.get(name=SUPPORT_GROUP))
    assert granted == _expected()
    assert not {codename for _, codename in granted if codename.startswith(("add_", "delete_"))}
    assert not {label for label, _ in granted} & {"auth", "admin", "token_blacklist", "sessions", "contenttypes"}


def test_createsupportuser_makes_a_staff_user_in_the_support_group(db: Any) -> None:
    output = _create("--username", "sam", "--email", "sam@example.com", "--password", PASSWORD)

    user = get_user_model().objects.get(username="sam")
    assert user.is_staff and not user.is_superuser and user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [SUPPORT_GROUP]
    assert _granted(user.groups.get()) == _expected()
    assert output.startswith("created support user 'sam' (staff, group 'Support'")
    assert user.has_perm("library.view_clip") and user.has_perm("library.change_job")
    assert not user.has_perm("library.delete_clip") and not user.has_perm("auth.view_user")
    client = Client()
    assert client.login(username="sam", password=PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_the_password_may_come_from_the_environment(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITAI_SUPPORT_PASSWORD", PASSWORD)
    _create("--username", "sam", "--no-input")
    assert get_user_model().objects.get(username="sam").check_password(PASSWORD)


def test_it_refuses_without_a_good_password_or_with_a_taken_name(
    db: Any, monkeypatch: pytest.MonkeyPatch, cast: Any
) -> None:
    monkeypatch.delenv("EDITAI_SUPPORT_PASSWORD", raising=False)
    for args, message in (
        (["--username", "sam", "--no-input"], "no password"),
        (["--username", "sam", "--password", "short"], "too short"),
        (["--username", "samsupport", "--password", "samsupport1"], "too similar"),
        (["--username", "alice", "--password", PASSWORD], "already exists"),
        (["--username", "bad name!", "--password", PASSWORD], "valid username"),
    ):
        with pytest.raises(CommandError, match=message):
            _create(*args)
    assert not get_user_model().objects.filter(username__startswith="sam").exists()
    assert not get_user_model().objects.get(username="alice").is_staff
