"""The tools API: what each route accepts and refuses, before any job runs. (The jobs
themselves: test_tools_trim/concat/voice/titles/voiceover.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from library.models import Job
from tests.conftest import api_client_for
from tests.library.helpers import upload
from tests.library.tools_support import post_job
from tests.media import CHAPLIN, make_video

TOOLS = "/api/v1/tools/"


@pytest.fixture
def chaplin(cast: Any, alice_client: Any, sample_media: Path) -> dict:
    return upload(alice_client, sample_media / CHAPLIN).json()


@pytest.fixture
def silent(cast: Any, alice_client: Any, tmp_path: Path) -> dict:
    return upload(alice_client, make_video(tmp_path / "silent.mp4", seconds=2, audio=False)).json()


@pytest.fixture
def bobs_video(cast: Any, bob_client: Any, tmp_path: Path) -> dict:
    return upload(bob_client, make_video(tmp_path / "bob.mp4", seconds=2)).json()


def _jobs() -> int:
    return Job.all_objects.count()


def test_it_reports_video_info_by_query_or_body(alice_client: Any, chaplin: dict) -> None:
    by_query = alice_client.get(f"{TOOLS}video-info/", {"source_video": chaplin["id"]})
    by_body = alice_client.post(f"{TOOLS}video-info/", {"source_video": chaplin["id"]}, format="json")
    assert by_query.status_code == by_body.status_code == 200
    info = by_query.json()
    assert info == by_body.json()
    assert info["duration"] == pytest.approx(9.64, abs=0.05)
    assert (info["width"], info["height"], info["fps"]) == (640, 360, 25.0)
    assert (info["video_codec"], info["audio_codec"], info["has_audio"]) == ("h264", "mp3", True)
    assert info["sample_rate"] == 44100 and info["channels"] == 2
    assert info["rotation"] == 0 and info["bit_rate"] > 0
    assert [s["kind"] for s in info["streams"]] == ["video", "audio"]


def test_video_info_says_what_is_missing(alice_client: Any) -> None:
    response = alice_client.get(f"{TOOLS}video-info/")
    assert response.status_code == 400
    assert "source_video" in response.json()
    assert alice_client.get(f"{TOOLS}video-info/", {"source_video": "not-a-uuid"}).status_code == 404


def test_it_checks_ownership_of_video_info(cast: Any, alice_client: Any, bobs_video: dict) -> None:
    assert alice_client.get(f"{TOOLS}video-info/", {"source_video": bobs_video["id"]}).status_code == 404
    assert alice_client.post(f"{TOOLS}video-info/", {"source_video": bobs_video["id"]}).status_code == 404
    store_b = api_client_for(cast.alice, cast.store_b)
    assert store_b.get(f"{TOOLS}video-info/", {"source_video": bobs_video["id"]}).status_code == 404


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (3, 3, "end", "after start"),
        (5, 2, "end", "after start"),
        (-1, 2, "start", "negative"),
        (1, 9.8, "end", "beyond the video's duration"),
        (12, 13, "start", "before the end"),
    ],
)
def test_trim_refuses_bad_times(
    alice_client: Any, chaplin: dict, start: float, end: float, field: str, words: str
) -> None:
    jobs = _jobs()
    body = {"source_video": chaplin["id"], "start": start, "end": end, "mode": "precise"}
    response = alice_client.post(f"{TOOLS}trim/", body, format="json")
    assert response.status_code == 400, response.content
    assert words in response.json()[field][0]
    assert _jobs() == jobs


def test_trim_refuses_an_unknown_mode_and_missing_times(alice_client: Any, chaplin: dict) -> None:
    response = alice_client.post(f"{TOOLS}trim/", {"source_video": chaplin["id"], "start": 1, "end": 2, "mode": "x"})
    assert response.status_code == 400 and "mode" in response.json()
    response = alice_client.post(f"{TOOLS}trim/", {"source_video": chaplin["id"]}, format="json")
    assert response.status_code == 400 and {"start", "end"} <= set(response.json())


def test_trim_answers_202_with_a_queued_job(cast: Any, alice_client: Any, chaplin: dict) -> None:
    job = post_job(alice_client, f"{TOOLS}trim/", {"source_video": chaplin["id"], "start": 1, "end": 9.64})
    assert (job.kind, job.profile_id, str(job.source_video_id)) == ("tool-trim", cast.store_a.pk, chaplin["id"])
    assert job.params == {"start": 1.0, "end": 9.64, "mode": "precise"}


def test_it_checks_ownership_of_every_video_named(
    cast: Any, alice_client: Any, chaplin: dict, bobs_video: dict
) -> None:
    jobs = _jobs()
    mine, theirs = chaplin["id"], bobs_video["id"]
    requests = [
        ("trim/", {"source_video": theirs, "start": 0, "end": 1}),
        ("concatenate/", {"items": [{"source_video": mine}, {"source_video": theirs}]}),
        ("detect-voice/", {"source_video": theirs}),
        ("mute-voice/", {"source_video": theirs}),
        ("add-voiceover/", {"source_videos": [mine, theirs], "text": "hello"}),
        ("templates/closing/render/", {"source_video": theirs, "fields": {"call_to_action": "Buy"}}),
    ]
    for path, body in requests:
        response = alice_client.post(f"{TOOLS}{path}", body, format="json")
        assert response.status_code == 404, (path, response.status_code, response.content[:200])
    assert _jobs() == jobs


def test_concatenate_takes_two_to_twenty_items(alice_client: Any, chaplin: dict) -> None:
    one = {"items": [{"source_video": chaplin["id"]}]}
    many = {"items": [{"source_video": chaplin["id"]}] * 21}
    for body in (one, many, {"items": []}, {}):
        response = alice_client.post(f"{TOOLS}concatenate/", body, format="json")
        assert response.status_code == 400 and "items" in response.json(), body


def test_concatenate_checks_each_items_times(alice_client: Any, chaplin: dict) -> None:
    body = {
        "items": [{"source_video": chaplin["id"], "start": 1, "end": 2}, {"source_video": chaplin["id"], "end": 99}]
    }
    response = alice_client.post(f"{TOOLS}concatenate/", body, format="json")
    assert response.status_code == 400
    assert "beyond the video's duration" in response.json()["items.1.end"][0]


def test_concatenate_stores_each_pieces_range(alice_client: Any, chaplin: dict) -> None:
    body = {"items": [{"source_video": chaplin["id"], "start": 1, "end": 2}, {"source_video": chaplin["id"]}]}
    job = post_job(alice_client, f"{TOOLS}concatenate/", body)
    assert job.params["items"] == [
        {"source_video": chaplin["id"], "start": 1.0, "end": 2.0},
        {"source_video": chaplin["id"], "start": 0.0, "end": 9.64},
    ]


def test_voice_tools_need_an_audio_track(alice_client: Any, silent: dict) -> None:
    for path in ("detect-voice/", "mute-voice/"):
        response = alice_client.post(f"{TOOLS}{path}", {"source_video": silent["id"]}, format="json")
        assert response.status_code == 400
        assert response.json()["source_video"] == ["This video has no audio track."]


def test_mute_voice_checks_given_intervals(alice_client: Any, chaplin: dict) -> None:
    body = {"source_video": chaplin["id"], "intervals": [{"start": 1, "end": 2}, {"start": 4, "end": 3}]}
    response = alice_client.post(f"{TOOLS}mute-voice/", body, format="json")
    assert response.status_code == 400 and "intervals.1.end" in response.json()
    response = alice_client.post(f"{TOOLS}mute-voice/", {**body, "mode": "duck", "duck_db": 6}, format="json")
    assert response.status_code == 400 and "duck_db" in response.json()
    body["intervals"] = body["intervals"][:1]
    job = post_job(alice_client, f"{TOOLS}mute-voice/", {**body, "mode": "duck", "duck_db": -24})
    assert job.params == {"mode": "duck", "duck_db": -24.0, "intervals": [{"start": 1.0, "end": 2.0}]}


def test_add_voiceover_takes_one_to_ten_videos_and_some_text(alice_client: Any, chaplin: dict) -> None:
    for body in ({"source_videos": [], "text": "hi"}, {"source_videos": [chaplin["id"]] * 11, "text": "hi"},
                 {"source_videos": [chaplin["id"]], "text": ""}):  # fmt: skip
        assert alice_client.post(f"{TOOLS}add-voiceover/", body, format="json").status_code == 400, body
    job = post_job(alice_client, f"{TOOLS}add-voiceover/", {"source_videos": [chaplin["id"]], "text": "Hello there"})
    assert job.kind == "tool-add-voiceover"
    assert job.params["provider"] == "espeak" and job.params["source_videos"] == [chaplin["id"]]


def test_it_lists_the_templates_and_their_fields(alice_client: Any) -> None:
    response = alice_client.get(f"{TOOLS}templates/")
    assert response.status_code == 200
    body = response.json()
    names = [t["name"] for t in body["results"]]
    assert names == ["intro", "announcement", "how-it-works", "persona", "demo", "closing"]
    assert body["count"] == 6
    intro = body["results"][0]["fields"]
    assert [(f["name"], f["required"]) for f in intro] == [("team", False), ("full_name", True), ("role", True)]
    assert all(f["max_length"] > 0 for t in body["results"] for f in t["fields"])
    steps = next(f for f in body["results"][2]["fields"] if f["name"] == "steps")
    assert (steps["type"], steps["max_items"]) == ("list", 5)


def test_rendering_an_unknown_template_is_not_found(alice_client: Any, chaplin: dict) -> None:
    response = alice_client.post(f"{TOOLS}templates/outro/render/", {"source_video": chaplin["id"]}, format="json")
    assert response.status_code == 404
    assert "intro" in response.json()["detail"]


def test_rendering_names_missing_unknown_and_overlong_fields(alice_client: Any, chaplin: dict) -> None:
    jobs = _jobs()
    url = f"{TOOLS}templates/intro/render/"
    response = alice_client.post(url, {"source_video": chaplin["id"], "fields": {"team": "Ops"}}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"full_name", "role"}
    fields = {"full_name": "x" * 61, "role": "CTO", "colour": "red"}
    errors = alice_client.post(url, {"source_video": chaplin["id"], "fields": fields}, format="json").json()["fields"]
    assert set(errors) == {"full_name", "colour"}
    steps = {"steps": [f"step {n}" for n in range(6)]}
    response = alice_client.post(
        f"{TOOLS}templates/how-it-works/render/", {"source_video": chaplin["id"], "fields": steps}, format="json"
    )
    assert response.json()["fields"] == {"steps": ["At most 5 items."]}
    assert _jobs() == jobs


def test_rendering_checks_the_card_fits_in_the_video(alice_client: Any, chaplin: dict) -> None:
    url = f"{TOOLS}templates/closing/render/"
    body = {"source_video": chaplin["id"], "fields": {"call_to_action": "Shop now"}}
    response = alice_client.post(url, {**body, "start": 8, "duration": 3}, format="json")
    assert response.status_code == 400 and "duration" in response.json()
    response = alice_client.post(url, {**body, "aspect": "4:3"}, format="json")
    assert response.status_code == 400 and "aspect" in response.json()
    job = post_job(alice_client, url, {**body, "start": 8})
    assert job.params["duration"] == pytest.approx(1.64)
    assert job.params["fields"] == {"call_to_action": "Shop now"}


def test_another_users_profile_header_is_denied_on_tools(cast: Any, chaplin: dict) -> None:
    client = api_client_for(cast.alice, cast.bob_store)
    assert client.get(f"{TOOLS}templates/").status_code == 403
    assert client.post(f"{TOOLS}trim/", {"source_video": chaplin["id"], "start": 0, "end": 1}).status_code == 403


def test_video_info_of_a_lost_file_is_a_clear_error(cast: Any, alice_client: Any, chaplin: dict) -> None:
    from django.core.files.storage import default_storage

    from library.models import SourceVideo

    stored = SourceVideo.all_objects.get(pk=chaplin["id"]).file.name
    Path(default_storage.path(stored)).write_bytes(b"")  # the disk lost it
    response = alice_client.get(f"{TOOLS}video-info/", {"source_video": chaplin["id"]})
    assert response.status_code == 422
    assert response.json()["code"] == "unreadable_media"
