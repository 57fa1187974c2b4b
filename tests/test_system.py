from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

HEALTH = "/api/v1/health/"


def test_anonymous_health_says_only_whether_the_service_is_up(db: Any, settings: Any) -> None:
    settings.HEALTH_TOKEN = "probe-secret"
    # A bad bearer token is no reason to fail a probe: it is answered as anonymous.
    for headers in (
        {},
        {"HTTP_X_HEALTH_TOKEN": "wrong"},
        {"HTTP_X_HEALTH_TOKEN": ""},
        {"HTTP_AUTHORIZATION": "Bearer x"},
    ):
        response = APIClient().get(HEALTH, **headers)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
    assert str(settings.MEDIA_ROOT) not in response.content.decode()


def test_no_token_opens_the_details_while_none_is_configured(db: Any, settings: Any) -> None:
    settings.HEALTH_TOKEN = ""
    assert APIClient().get(HEALTH, HTTP_X_HEALTH_TOKEN="").json() == {"status": "ok"}


def _details_by_token(settings: Any) -> Any:
    settings.HEALTH_TOKEN = "probe-secret"
    return APIClient().get(HEALTH, HTTP_X_HEALTH_TOKEN="probe-secret")


def _details_for_staff(settings: Any) -> Any:
    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory(username="sam", is_staff=True))
    return client.get(HEALTH)


@pytest.mark.parametrize("ask", [_details_by_token, _details_for_staff], ids=["token", "staff"])
def test_health_reports_its_parts_to_staff_and_with_the_token(db: Any, settings: Any, ask: Any) -> None:
    response = ask(settings)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"kind": "orm", "ok": True, "queued": 0}
    assert body["ffmpeg"]["version"] and body["ffprobe"]["version"]
    assert body["disk"]["media"]["free_bytes"] > 0 and body["disk"]["temp"]["free_bytes"] > 0


def test_a_signed_in_non_staff_user_gets_the_anonymous_answer(cast: Any, alice_client: Any) -> None:
    assert alice_client.get(HEALTH).json() == {"status": "ok"}


def test_health_is_503_when_the_database_is_down(db: Any, monkeypatch: Any, settings: Any) -> None:
    class DownCursor:
        def __enter__(self) -> Any:
            raise OperationalError("connection refused")

        def __exit__(self, *exc: Any) -> None:
            return None

    settings.HEALTH_TOKEN = "probe-secret"
    with monkeypatch.context() as patched:
        patched.setattr("editai.api.connection.cursor", lambda: DownCursor())
        anonymous = APIClient().get(HEALTH)
        detailed = APIClient().get(HEALTH, HTTP_X_HEALTH_TOKEN="probe-secret")
    assert (anonymous.status_code, anonymous.json()) == (503, {"status": "error"})
    assert detailed.status_code == 503
    assert detailed.json()["database"] == {"ok": False, "error": "OperationalError"}


def test_providers_status_defaults_to_local_providers(db: Any, settings: Any) -> None:
    settings.GEMINI_API_KEY = ""
    settings.ELEVENLABS_API_KEY = ""
    body = APIClient().get("/api/v1/providers/status/").json()
    assert body["analysis"]["default"] == "local"
    assert body["tts"]["default"] == "espeak"
    assert body["tts"]["espeak"]["available"] is True


def test_the_schema_documents_the_profile_header_on_scoped_operations(db: Any) -> None:
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    scoped = schema["paths"]["/api/v1/test/notes/"]["get"]["parameters"]
    assert any(p["name"] == "X-Profile-Id" and p["in"] == "header" for p in scoped)
    health = schema["paths"]["/api/v1/health/"]["get"].get("parameters", [])
    assert not any(p["name"] == "X-Profile-Id" for p in health)
    assert APIClient().get("/api/docs/").status_code == 200


def test_unknown_api_paths_answer_json_404(cast: Any, alice_client: Any) -> None:
    response = alice_client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
