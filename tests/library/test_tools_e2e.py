"""The tools end to end: requests through the API, a real `manage.py qcluster` worker, results
polled and downloaded through the API like a client would."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import api_client_for
from tests.library.helpers import temp_entries, upload
from tests.media import CHAPLIN
from tests.worker import qcluster, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOOLS = "/api/v1/tools/"


def test_tool_jobs_run_on_a_real_worker_and_download(cast: Any, sample_media: Path, tmp_path: Path) -> None:
    alice = api_client_for(cast.alice)
    video = upload(alice, sample_media / CHAPLIN).json()["id"]
    with qcluster(tmp_path):
        trim = alice.post(f"{TOOLS}trim/", {"source_video": video, "start": 2.0, "end": 4.0}, format="json")
        card = alice.post(
            f"{TOOLS}templates/closing/render/",
            {"source_video": video, "fields": {"call_to_action": "Shop now", "url": "shop.example.com"}},
            format="json",
        )
        assert (trim.status_code, card.status_code) == (202, 202)
        jobs = [trim.json()["id"], card.json()["id"]]

        def finished() -> bool:
            states = [alice.get(f"/api/v1/jobs/{pk}/").json()["status"] for pk in jobs]
            return all(s in ("succeeded", "failed") for s in states)

        wait_for(finished, timeout=120, interval=0.3, what="the tool jobs")
    for pk, expected in zip(jobs, (2.0, 9.64), strict=True):
        job = alice.get(f"/api/v1/jobs/{pk}/").json()
        assert job["status"] == "succeeded", job["error"]
        assert job["progress"] == 100 and job["download_url"]
        response = alice.get(f"/api/v1/jobs/{pk}/download/")
        assert response.status_code == 200
        downloaded = tmp_path / f"{pk}.mp4"
        downloaded.write_bytes(b"".join(response.streaming_content))
        probe = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(downloaded)]
        assert float(subprocess.run(probe, capture_output=True, text=True).stdout) == pytest.approx(expected, abs=0.1)
        assert api_client_for(cast.bob).get(f"/api/v1/jobs/{pk}/download/").status_code == 404
    assert temp_entries(cast.store_a) == []
