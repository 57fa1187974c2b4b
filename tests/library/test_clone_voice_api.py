"""Voice cloning through the API against the fake ElevenLabs: samples are checked first."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from profiles.models import Profile
from tests.conftest import api_client_for
from tests.fakes.elevenlabs import KEY, ElevenLabsHandler, ElevenLabsState
from tests.fakes.server import running

URL = "/api/v1/tts/clone-voice/"


def _speech(path: Path, text: str) -> Path:
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    return path


def _post(client: Any, files: list[Path], name: str = "Shop voice") -> Any:
    handles = [f.open("rb") for f in files]
    try:
        return client.post(URL, {"name": name, "files": handles}, format="multipart")
    finally:
        for handle in handles:
            handle.close()


def test_a_valid_sample_clones_and_becomes_the_profiles_voice(cast: Any, settings: Any, tmp_path: Path) -> None:
    sample = _speech(tmp_path / "a.wav", "Welcome to our shop. " * 6)
    with running(ElevenLabsHandler, ElevenLabsState()) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        response = _post(api_client_for(cast.alice), [sample])
        assert response.status_code == 201, response.content
        assert len(fake.state.clones) == 1
    profile = Profile.objects.get(pk=cast.store_a.pk)
    assert profile.tts_voice_id == response.json()["id"] and profile.tts_provider == "elevenlabs"
    assert Profile.objects.get(pk=cast.store_b.pk).tts_voice_id == ""


def test_bad_samples_are_4xx_and_nothing_is_sent(cast: Any, settings: Any, tmp_path: Path) -> None:
    short = _speech(tmp_path / "short.wav", "Hi.")
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all\n" * 50)
    with running(ElevenLabsHandler, ElevenLabsState()) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        client = api_client_for(cast.alice)
        for files in ([short], [text]):
            response = _post(client, files)
            assert response.status_code == 400, (files, response.content)
            assert response.json()["files"]
        assert client.post(URL, {"name": "x"}, format="multipart").status_code == 400
        assert fake.state.clones == [] and not [c for c in fake.state.calls if c.method == "POST"]


def test_cloning_needs_elevenlabs(cast: Any, settings: Any, tmp_path: Path) -> None:
    settings.ELEVENLABS_API_KEY = ""
    response = _post(api_client_for(cast.alice), [_speech(tmp_path / "a.wav", "Hello there. " * 8)])
    assert response.status_code == 400
    assert "ELEVENLABS_API_KEY" in response.json()["detail"]


def test_a_body_that_cannot_carry_samples_is_a_clear_4xx(cast: Any, settings: Any) -> None:
    """Cloning takes multipart (audio files); JSON, a form without files or no body at all
    answered 500 ('dict' object has no attribute 'dict')."""
    with running(ElevenLabsHandler, ElevenLabsState()) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        client = api_client_for(cast.alice)
        response = client.post(URL, {"name": "Shop voice", "files": ["aGVsbG8="]}, format="json")
        assert response.status_code == 415, response.content
        assert "multipart/form-data" in response.json()["detail"]
        assert client.post(URL, "name=Shop+voice", content_type="application/x-www-form-urlencoded").status_code == 415
        empty = client.post(URL)
        assert empty.status_code == 400 and empty.json()["files"]
        assert fake.state.calls == []
