"""The typing rules of the apps (mypy itself runs in scripts/test.sh, over [tool.mypy] in
pyproject.toml): `Any` only where a library forces it, never for the job context, and the job
engine, the media (graph) library and every service module checked strictly.

Read from the source, so these run in a second: a new `x: Any` fails here before mypy would
have to be asked why it passed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("editai", "profiles", "webhooks", "costs", "library", "publishing")
# What is left is forced by a library: Django's `*args/**kwargs` pass-throughs (Model.save, a
# command's options), keyword arguments forwarded to httpx or DRF, ctypes callbacks...
MAX_ANY_LINES = 40
ANY_ANNOTATION = re.compile(r": Any\b")
# The flags of `strict = true` (which mypy accepts only globally), per module.
STRICT_FLAGS = (
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "disallow_untyped_calls",
    "disallow_untyped_decorators",
    "disallow_any_generics",
    "disallow_subclassing_any",
    "warn_return_any",
    "no_implicit_reexport",
    "strict_equality",
    "extra_checks",
)
STRICT_MODULES = ("library.jobs.*", "library.media.*", "library.services.*", "*.services", "*.services.*")


def _sources() -> list[Path]:
    return [p for app in APPS for p in sorted((ROOT / app).rglob("*.py")) if "migrations" not in p.parts]


def _lines_matching(pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in _sources():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_any_annotations_stay_few() -> None:
    found = _lines_matching(ANY_ANNOTATION)
    assert len(found) <= MAX_ANY_LINES, f"{len(found)} `: Any` annotations (at most {MAX_ANY_LINES}):\n" + "\n".join(
        found
    )


def test_the_job_context_is_typed() -> None:
    # Code that runs inside a job takes library.jobs.context.JobContext, never Any.
    assert _lines_matching(re.compile(r"\bctx: Any\b")) == []


def _mypy() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]


def test_mypy_checks_every_app() -> None:
    config = _mypy()
    assert set(config["files"]) == set(APPS)
    assert config["check_untyped_defs"] is True
    assert "ignore_missing_imports" not in config  # only per untyped dependency, by name


def test_the_engine_the_media_library_and_the_services_are_strict() -> None:
    strict = [o for o in _mypy().get("overrides", []) if all(o.get(flag) is True for flag in STRICT_FLAGS)]
    covered = {module for override in strict for module in override["module"]}
    assert set(STRICT_MODULES) <= covered
