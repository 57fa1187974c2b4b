"""Media on S3-compatible object storage (moto's server on loopback), in process: the S3_*
settings, uploads, ranged streams, worker downloads, profile deletion, health and the system
check for half-set settings."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from editai.checks import check_object_storage
from library import storage
from tests.conftest import api_client_for
from tests.library.helpers import VIDEOS, media_files, upload
from tests.media import CHAPLIN
from tests.scale.stack import BUCKET, CannotStart, bucket_bytes, bucket_keys, s3_client, s3_server

pytestmark = pytest.mark.django_db
S3_VARS = ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION", "S3_PREFIX",
           "S3_ADDRESSING_STYLE", "REDIS_URL")  # fmt: skip


def _settings_with(monkeypatch: Any, **env: str) -> dict[str, Any]:
    """editai/settings.py evaluated under `env` (and no other S3_* variable)."""
    for var in S3_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    return runpy.run_path(str(Path(__file__).resolve().parents[2] / "editai" / "settings.py"))


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory: Any) -> Iterator[dict[str, str]]:
    with ExitStack() as stack:
        try:
            env = stack.enter_context(s3_server(tmp_path_factory.mktemp("s3")))
        except CannotStart as exc:
            pytest.skip(f"S3-compatible server unavailable: {exc}")
        yield env


@pytest.fixture
def on_s3(s3_env: dict[str, str], settings: Any, monkeypatch: Any) -> Iterator[dict[str, str]]:
    """This process's media storage switched to the bucket, exactly as settings.py does it."""
    configured = _settings_with(monkeypatch, **s3_env)
    settings.STORAGES = configured["STORAGES"]
    settings.S3_BUCKET = configured["S3_BUCKET"]
    yield s3_env
    client = s3_client(s3_env["S3_ENDPOINT_URL"])
    for key in bucket_keys(s3_env):
        client.delete_object(Bucket=BUCKET, Key=key)


def test_it_keeps_media_on_local_disk_by_default(monkeypatch: Any) -> None:
    configured = _settings_with(monkeypatch)
    assert configured["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert "orm" in configured["Q_CLUSTER"] and "redis" not in configured["Q_CLUSTER"]


def test_it_switches_to_s3_and_redis_by_settings(monkeypatch: Any) -> None:
    configured = _settings_with(monkeypatch, S3_BUCKET="media", S3_ENDPOINT_URL="http://127.0.0.1:9000",
                                S3_PREFIX="/editai/", REDIS_URL="redis://127.0.0.1:6379/0")  # fmt: skip
    backend = configured["STORAGES"]["default"]
    assert backend["BACKEND"] == "storages.backends.s3.S3Storage"
    assert backend["OPTIONS"] | {"bucket_name": "media", "location": "editai", "addressing_style": "path",
                                 "default_acl": None, "file_overwrite": False} == backend["OPTIONS"]  # fmt: skip
    assert configured["Q_CLUSTER"]["redis"] == "redis://127.0.0.1:6379/0" and "orm" not in configured["Q_CLUSTER"]
    assert configured["JOB_RESEND_QUEUED_AFTER_SECONDS"] > 0  # Redis loses tasks; the ORM broker does not


def test_it_refuses_an_unknown_addressing_style(monkeypatch: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="S3_ADDRESSING_STYLE"):
        _settings_with(monkeypatch, S3_BUCKET="media", S3_ADDRESSING_STYLE="sideways")


def test_the_system_check_warns_about_half_set_s3_settings(monkeypatch: Any, settings: Any) -> None:
    for var in S3_VARS:
        monkeypatch.delenv(var, raising=False)
    settings.S3_BUCKET, settings.S3_ACCESS_KEY_ID, settings.S3_SECRET_ACCESS_KEY = "", "", ""
    assert check_object_storage() == []
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    [warning] = check_object_storage()
    assert warning.id == "editai.W010" and "S3_BUCKET is empty" in warning.msg
    settings.S3_BUCKET, settings.S3_ACCESS_KEY_ID = "media", "key-id"
    [warning] = check_object_storage()
    assert warning.id == "editai.W010" and "S3_SECRET_ACCESS_KEY is empty" in warning.msg
    settings.S3_SECRET_ACCESS_KEY = "secret"
    assert check_object_storage() == []


def test_an_upload_lands_in_the_bucket_only(on_s3: dict, cast: Any, sample_media: Path) -> None:
    response = upload(api_client_for(cast.alice), sample_media / CHAPLIN)
    assert response.status_code == 201, response.content
    video_id = response.json()["id"]
    prefix = f"{cast.store_a.pk}/videos/{video_id}"
    assert bucket_keys(on_s3) == [f"{prefix}.jpg", f"{prefix}.mp4"]
    assert bucket_bytes(on_s3, f"{prefix}.mp4") == (sample_media / CHAPLIN).read_bytes()
    assert media_files(cast.store_a) == []


def test_streams_read_ranges_from_the_bucket_behind_the_ownership_checks(
    on_s3: dict, cast: Any, sample_media: Path
) -> None:
    alice = api_client_for(cast.alice)
    video_id = upload(alice, sample_media / CHAPLIN).json()["id"]
    original = (sample_media / CHAPLIN).read_bytes()
    part = alice.get(f"{VIDEOS}{video_id}/stream/", HTTP_RANGE="bytes=500-1499")
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == original[500:1500]
    assert part["Content-Range"] == f"bytes 500-1499/{len(original)}"
    whole = alice.get(f"{VIDEOS}{video_id}/stream/")
    assert whole.status_code == 200 and int(whole["Content-Length"]) == len(original)
    assert b"".join(whole.streaming_content) == original
    assert api_client_for(cast.bob).get(f"{VIDEOS}{video_id}/stream/").status_code == 404
    assert api_client_for(cast.alice, cast.store_b).get(f"{VIDEOS}{video_id}/stream/").status_code == 404


def test_a_worker_downloads_its_input_into_its_workspace(on_s3: dict, cast: Any, tmp_path: Path) -> None:
    name = default_storage.save(f"{cast.store_a.pk}/videos/input.bin", ContentFile(b"frames" * 1000))
    local = storage.local_copy(name, tmp_path / "input.bin")
    assert local == tmp_path / "input.bin" and local.read_bytes() == b"frames" * 1000
    with storage.open_stream(name, start=6, length=12) as stream:
        assert stream.read() == b"framesframes"


def test_a_taken_name_gets_a_fresh_one_instead_of_overwriting(on_s3: dict, cast: Any) -> None:
    first = default_storage.save(f"{cast.store_a.pk}/jobs/x/out.mp4", ContentFile(b"first"))
    second = default_storage.save(f"{cast.store_a.pk}/jobs/x/out.mp4", ContentFile(b"second"))
    assert first != second and bucket_bytes(on_s3, first) == b"first"


def test_deleting_a_profile_deletes_its_files_from_the_bucket(
    on_s3: dict, cast: Any, sample_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    upload(api_client_for(cast.alice), sample_media / CHAPLIN)
    upload(api_client_for(cast.alice, cast.store_b), sample_media / CHAPLIN)
    default_storage.save(f"{cast.store_b.pk}/clips/c/deep/final.mp4", ContentFile(b"x"))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(cast.alice).delete(f"/api/v1/profiles/{cast.store_b.pk}/")
    assert response.status_code == 204
    assert bucket_keys(on_s3, f"{cast.store_b.pk}/") == []
    assert len(bucket_keys(on_s3, f"{cast.store_a.pk}/")) == 2


def test_health_names_the_bucket_instead_of_a_local_media_folder(on_s3: dict, client: Any, settings: Any) -> None:
    settings.HEALTH_TOKEN = "s3-suite-health-token"
    body = client.get("/api/v1/health/", HTTP_X_HEALTH_TOKEN="s3-suite-health-token").json()
    assert body["disk"]["media"] == {"s3_bucket": BUCKET}
    assert body["disk"]["temp"]["free_bytes"] > 0
