"""Services raise plain domain errors (profiles/errors.py); editai/exceptions.py alone turns them
into HTTP answers, with the same status codes and bodies the API always gave."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.exceptions import APIException

from costs.services import BudgetExceeded
from editai.exceptions import exception_handler
from library.services.jobs import JobQueueFull, JobStateConflict
from library.services.projects import ProjectBusy
from library.services.rendering import ClipBusy
from library.services.tools import UnreadableMedia
from library.services.voices import ProviderUnavailable
from profiles.errors import DomainError, Invalid, Missing
from publishing.services.postiz import PostizNotConfigured, PostizUnavailable

ROOT = Path(settings.BASE_DIR)
APPS = ("profiles", "costs", "library", "publishing", "editai")


def _service_modules() -> list[Path]:
    found = []
    for app in APPS:
        found += [p for p in [ROOT / app / "services.py"] if p.exists()]
        found += sorted((ROOT / app).glob("services/**/*.py"))
        found += sorted((ROOT / app).glob("*/services.py"))  # editai/oneclick/services.py
    return found


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_it_finds_the_service_modules() -> None:
    names = {str(p.relative_to(ROOT)) for p in _service_modules()}
    assert {"costs/services.py", "library/services/jobs.py", "publishing/services/postiz.py"} <= names


def test_services_do_not_import_the_http_framework() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imports(path) if m.split(".")[0] == "rest_framework")
        for path in _service_modules()
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def _answer(exc: Exception) -> tuple[int, object]:
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (BudgetExceeded("Over by $1."), 402, {"detail": "Over by $1.", "code": "budget_exceeded"}),
        (JobQueueFull("Too many."), 429, {"detail": "Too many.", "code": "job_queue_full"}),
        (JobStateConflict("The job is already succeeded."), 409,
         {"detail": "The job is already succeeded.", "code": "job_state"}),
        (ProjectBusy(), 409, {"detail": ProjectBusy.default_detail, "code": "project_busy"}),
        (ClipBusy("Already rendering: x."), 409, {"detail": "Already rendering: x.", "code": "clip_busy"}),
        (UnreadableMedia(), 422, {"detail": UnreadableMedia.default_detail, "code": "unreadable_media"}),
        (ProviderUnavailable("ElevenLabs timed out."), 502,
         {"detail": "ElevenLabs timed out.", "code": "provider_unavailable"}),
        (PostizNotConfigured(), 400, {"detail": PostizNotConfigured.default_detail, "code": "postiz_not_configured"}),
        (PostizUnavailable("Postiz answered 500."), 502, {"detail": "Postiz answered 500.", "code": "postiz_unavailable"}),
        (Missing("No title-card template 'x'."), 404, {"detail": "No title-card template 'x'.", "code": "not_found"}),
        (Invalid({"preset": "Unknown preset 'x'."}), 400, {"preset": "Unknown preset 'x'."}),  # as DRF left it
        (Invalid({"intervals": ["At most 1000 intervals."]}), 400, {"intervals": ["At most 1000 intervals."]}),
    ],
)  # fmt: skip
def test_each_domain_error_keeps_its_http_answer(error: DomainError, status: int, body: object) -> None:
    assert not isinstance(error, APIException)  # plain Python: jobs and commands can catch it too
    assert _answer(error) == (status, body)


def test_a_domain_error_reads_as_its_detail() -> None:
    assert str(JobStateConflict("The job is already running.")) == "The job is already running."
    assert ProjectBusy().detail == ProjectBusy.default_detail
