from __future__ import annotations

from typing import Any

from django.db import OperationalError
from rest_framework.test import APIClient


def test_health_reports_its_parts(db: Any) -> None:
    response = APIClient().get("/api/v1/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"kind": "orm", "ok": True, "queued": 0}
    assert body["ffmpeg"]["version"] and body["ffprobe"]["version"]
    assert body["disk"]["media"]["free_bytes"] > 0 and body["disk"]["temp"]["free_bytes"] > 0


def test_health_is_503_when_the_database_is_down(db: Any, monkeypatch: Any) -> None:
    class DownCursor:
        def __enter__(self) -> Any:
            raise OperationalError("connection refused")

        def __exit__(self, *exc: Any) -> None:
            return None

    with monkeypatch.context() as patched:
        patched.setattr("editai.api.connection.cursor", lambda: DownCursor())
        response = APIClient().get("/api/v1/health/")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "OperationalError"}


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
