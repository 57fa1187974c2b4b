"""Reads live in each app's selectors.py: views and commands call them instead of reaching for a
model manager themselves (STYLE.md: services write, selectors read, views stay thin)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.conf import settings

from library import selectors as library_selectors
from library.models import Job, Project
from profiles import selectors as profile_selectors
from profiles.tenancy import profile_scope
from publishing import selectors as publishing_selectors
from publishing.models import Publication
from tests.conftest import Cast

ROOT = Path(settings.BASE_DIR)
VIEW_MODULES = [
    *sorted((ROOT / "library" / "api").glob("*.py")),
    ROOT / "profiles" / "api.py",
    ROOT / "profiles" / "auth_api.py",
    ROOT / "profiles" / "api_keys_api.py",
    ROOT / "webhooks" / "api.py",
    ROOT / "costs" / "api.py",
    ROOT / "publishing" / "api.py",
]
COMMAND_MODULES = sorted(ROOT.glob("*/management/commands/*.py"))
# Not reads: an empty queryset for the schema generator, and writes (which belong to services,
# a later step; rotate_secrets locks the rows it rewrites).
NOT_READS = {"none", "create", "create_superuser", "select_for_update", "update", "bulk_create"}


@pytest.mark.parametrize("app", ["profiles", "webhooks", "costs", "library", "publishing"])
def test_every_app_has_selectors(app: str) -> None:
    module = importlib.import_module(f"{app}.selectors")
    assert any(callable(v) and getattr(v, "__module__", "") == module.__name__ for v in vars(module).values())


def _manager_calls(path: Path) -> list[str]:
    """`X.objects.<method>` / `X.all_objects.<method>` reads in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in ("objects", "all_objects")
            and node.attr not in NOT_READS
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.value.attr}.{node.attr}")
    return found


def test_views_and_commands_read_through_selectors_not_managers() -> None:
    assert COMMAND_MODULES and all(path.exists() for path in VIEW_MODULES)
    assert [call for path in [*VIEW_MODULES, *COMMAND_MODULES] for call in _manager_calls(path)] == []


@pytest.mark.django_db
def test_project_selectors_see_only_the_current_profile(cast: Cast) -> None:
    store_a, store_b = cast.store_a, cast.store_b
    with profile_scope(store_b):
        Project.objects.create(name="Theirs")
    with profile_scope(store_a):
        mine = Project.objects.create(name="Mine")
        old = Job.objects.create(kind="generate", project=mine, status="succeeded")
        assert library_selectors.project_progress_job(project=mine) == old
        running = Job.objects.create(kind="generate", project=mine, status="running")
        Job.objects.create(kind="generate", project=mine, status="failed")  # newer, but not running
        assert library_selectors.project_progress_job(project=mine) == running
        listed = list(library_selectors.project_list(queryset=Project.objects.all()))
        assert [(p.name, p.clip_count) for p in listed] == [("Mine", 0)]
        assert list(publishing_selectors.publication_list(job=old)) == list(Publication.objects.none())


@pytest.mark.django_db
def test_profile_selectors_answer_only_for_the_owner(cast: Cast) -> None:
    alice, bob, store_a = cast.alice, cast.bob, cast.store_a
    assert profile_selectors.profile_get(user=alice, pk=store_a.pk) == store_a
    assert profile_selectors.profile_get(user=bob, pk=store_a.pk) is None
    assert profile_selectors.profile_default_get(user=alice) == store_a
    assert store_a in profile_selectors.profile_list(user=alice)
    assert store_a not in profile_selectors.profile_list(user=bob)
