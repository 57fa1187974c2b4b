"""Schema fuzzing: schemathesis reads /api/schema/ and throws generated requests (valid and
invalid by the schema) at every operation, in-process through the Django WSGI app, as alice with
a real profile. No answer may be a 5xx, and every documented answer must match its schema.

Bounded for CI: MAX_EXAMPLES per operation, the generate phase only (no coverage cases, no
shrinking), derandomized (the same requests every run), no example database. Nothing expensive
runs: jobs are enqueued on commit and the test's transaction never commits, so renders, analyses
and publications are created but never started. Operations covered: all of the product's (the
test-only tests.scopedapp routes are left out); uploads are included (generated files -> 415).
Generated ids in paths and bodies are swapped for the ids of real rows of alice's store (when
the generator meant a valid id), so requests reach the views instead of stopping at a 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.proof.fuzz_ids import retarget
from tests.proof.world import World

MAX_EXAMPLES = 8
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

# Loaded at collection: generating the schema reads no rows, so it needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).exclude(path_regex=r"^/api/v1/test/")


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """The WSGI handler closes the connection after each request (close_old_connections sees
    the test's open transaction); Django's own test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
    suppress_health_check=list(HealthCheck), phases=[Phase.generate],
)  # fmt: skip
def test_it_answers_generated_requests_without_server_errors(
    case: Any, cast: Any, world_a: World, in_process_requests: None
) -> None:
    retarget(case, world_a, cast.store_b)
    token = RefreshToken.for_user(cast.alice).access_token
    headers = {"Authorization": f"Bearer {token}", "X-Profile-Id": str(cast.store_a.pk)}
    case.call_and_validate(headers=headers, checks=CHECKS)


# Regressions of schema mismatches the fuzzing found (each made a documented answer or request
# disagree with what the API does).
def _operation(path: str, method: str) -> dict[str, Any]:
    return schema.raw_schema["paths"][path][method]


def test_it_documents_the_bearer_token_on_every_scoped_operation() -> None:
    assert schema.raw_schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
    }  # fmt: skip
    assert {"jwtAuth": []} in _operation("/api/v1/jobs/", "get")["security"]


def test_each_request_body_has_its_own_component() -> None:
    def ref(path: str) -> str:
        return _operation(path, "post")["requestBody"]["content"]["application/json"]["schema"]["$ref"]

    assert ref("/api/v1/tts/generate/") != ref("/api/v1/library/projects/{id}/generate/")


def test_documented_answers_match_what_is_served() -> None:
    bulk_select = _operation("/api/v1/library/clips/bulk-select/", "post")["responses"]["200"]
    assert bulk_select["content"]["application/json"]["schema"]["type"] == "array"  # a list, not a page
    release_url = schema.raw_schema["components"]["schemas"]["Publication"]["properties"]["release_url"]
    assert "format" not in release_url  # "" until published
    download = _operation("/api/v1/jobs/{id}/download/", "get")["responses"]["200"]["content"]
    assert {"video/*", "audio/*", "application/zip"} <= set(download)
