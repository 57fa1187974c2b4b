from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.models import SourceVideo
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.library.helpers import VIDEOS, media_files, temp_entries, upload
from tests.media import BBB, CHAPLIN, make_video


def test_it_accepts_big_buck_bunny(cast: Any, alice_client: Any, sample_media: Path) -> None:
    response = upload(alice_client, sample_media / BBB, description="bunny")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["duration"] == pytest.approx(30.0, abs=0.1)
    assert (body["width"], body["height"]) == (1280, 720)
    assert body["fps"] == pytest.approx(24, abs=0.01)
    assert body["has_audio"] is True
    assert body["name"] == "big_buck_bunny_0_30"
    assert len(body["sha256"]) == 64
    thumb = alice_client.get(body["thumbnail_url"])
    assert thumb.status_code == 200
    assert b"".join(thumb.streaming_content)[:3] == b"\xff\xd8\xff"  # a JPEG
    stored = media_files(cast.store_a)
    assert len(stored) == 2 and {p.suffix for p in stored} == {".webm", ".jpg"}
    assert all("big_buck" not in p.name for p in stored), "stored names are generated, never the client's"
    assert temp_entries(cast.store_a) == []


def test_it_measures_a_duration_the_container_does_not_record(cast: Any, alice_client: Any, tmp_path: Path) -> None:
    src = make_video(tmp_path / "src.mp4", seconds=3, audio=False)
    piped = tmp_path / "piped.mkv"
    # Written to a pipe, Matroska cannot seek back to record the duration.
    with piped.open("wb") as out:
        subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(src), "-c", "copy", "-f", "matroska", "pipe:1"],
                       stdout=out, check=True)  # fmt: skip
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(piped)],
                           capture_output=True, text=True)  # fmt: skip
    assert probe.stdout.strip() in ("", "N/A")
    response = upload(alice_client, piped)
    assert response.status_code == 201, response.content
    assert response.json()["duration"] == pytest.approx(3.0, abs=0.15)
    assert response.json()["has_audio"] is False


def _bad_files(tmp_path: Path, sample_media: Path) -> dict[str, tuple[Path, str | None]]:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 100)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes((sample_media / CHAPLIN).read_bytes()[:50_000])
    audio_only = make_video(tmp_path / "song.m4a", seconds=2, video=False)
    good = make_video(tmp_path / "good.mp4", seconds=1)
    return {
        "empty": (empty, None),
        "text named .mp4": (text, None),
        "first 50 KB of an mp4": (truncated, None),
        "audio only": (audio_only, None),
        "path traversal name": (good, "../../etc/passwd.mp4"),
        "backslash traversal name": (good, "..\\..\\windows\\evil.mp4"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "empty",
        "text named .mp4",
        "first 50 KB of an mp4",
        "audio only",
        "path traversal name",
        "backslash traversal name",
    ],
)
def test_bad_uploads_get_a_clear_4xx_and_leave_nothing(
    cast: Any, alice_client: Any, sample_media: Path, tmp_path: Path, case: str
) -> None:
    path, filename = _bad_files(tmp_path, sample_media)[case]
    response = upload(alice_client, path, filename=filename)
    assert 400 <= response.status_code < 500, (case, response.status_code, response.content)
    assert response.json()["detail"], case
    assert not SourceVideo.all_objects.exists()
    assert media_files(cast.store_a) == []
    assert temp_entries(cast.store_a) == []


def test_uploads_over_the_size_limit_are_413(cast: Any, alice_client: Any, tmp_path: Path, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 20_000
    response = upload(alice_client, make_video(tmp_path / "big.mp4", seconds=3))
    assert response.status_code == 413
    assert "20000 bytes" in response.json()["detail"]
    assert not SourceVideo.all_objects.exists()
    assert media_files(cast.store_a) == []


def test_missing_file_field_is_400(cast: Any, alice_client: Any) -> None:
    response = alice_client.post(VIDEOS, {"name": "x"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()
    assert alice_client.post(VIDEOS, {"file": "not a file"}, format="json").status_code == 400


@pytest.fixture
def chaplin(cast: Any, alice_client: Any, sample_media: Path) -> dict:
    response = upload(alice_client, sample_media / CHAPLIN)
    assert response.status_code == 201
    return response.json()


def test_it_streams_with_http_ranges(cast: Any, alice_client: Any, chaplin: dict, sample_media: Path) -> None:
    whole = (sample_media / CHAPLIN).read_bytes()
    response = alice_client.get(chaplin["stream_url"], HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert b"".join(response.streaming_content) == whole[100:200]
    tail = alice_client.get(chaplin["stream_url"], HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == whole[-10:]
    full = alice_client.get(chaplin["stream_url"])
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert b"".join(full.streaming_content) == whole
    assert alice_client.get(chaplin["stream_url"], HTTP_RANGE=f"bytes={len(whole)}-").status_code == 416
    assert alice_client.get(chaplin["stream_url"], HTTP_RANGE="pages=1-2").status_code == 416


def test_it_checks_ownership(cast: Any, chaplin: dict) -> None:
    for client in (api_client_for(cast.alice, cast.store_b), api_client_for(cast.bob)):
        for url in (f"{VIDEOS}{chaplin['id']}/", chaplin["stream_url"], chaplin["thumbnail_url"]):
            assert client.get(url).status_code == 404
        assert client.patch(f"{VIDEOS}{chaplin['id']}/", {"name": "x"}, format="json").status_code == 404
        assert client.delete(f"{VIDEOS}{chaplin['id']}/").status_code == 404
        assert client.get(VIDEOS).json()["count"] == 0
    assert SourceVideo.all_objects.get(pk=chaplin["id"]).name == "chaplin"


def test_patch_and_delete(cast: Any, alice_client: Any, chaplin: dict, django_capture_on_commit_callbacks: Any) -> None:
    url = f"{VIDEOS}{chaplin['id']}/"
    assert alice_client.patch(url, {"name": "Tramp"}, format="json").json()["name"] == "Tramp"
    assert alice_client.patch(url, {"name": ""}, format="json").status_code == 400
    assert alice_client.patch(url, {"duration": 1}, format="json").json()["duration"] == chaplin["duration"]
    assert len(media_files(cast.store_a)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.delete(url).status_code == 204
    assert media_files(cast.store_a) == []


def test_the_list_keeps_a_constant_query_count(cast: Any, alice_client: Any, chaplin: dict) -> None:
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get(VIDEOS).json()["count"] == 1
    with profile_scope(cast.store_a):
        row = SourceVideo.objects.get(pk=chaplin["id"])
        for i in range(20):
            row.pk = None
            row.id = None
            row.name = f"copy {i}"
            row.save(force_insert=True)
    with CaptureQueriesContext(connection) as many:
        assert alice_client.get(VIDEOS).json()["count"] == 21
    assert len(many.captured_queries) == len(one.captured_queries)
