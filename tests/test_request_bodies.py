"""What a request body may hold, checked once where bodies are parsed (issue 14, points 8 and 12):
JSON and form bodies over EDITAI_MAX_JSON_BYTES answer 413 (multipart uploads keep their own
limit), and a NUL character (\\u0000), which PostgreSQL cannot store in text or jsonb, is a 400
naming where it was — never the 500 DataError it used to be."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from library.models import Job
from profiles.models import Profile
from tests.library.helpers import upload
from tests.media import make_video

PROFILES = "/api/v1/profiles/"
MATCH = "/api/v1/library/segments/match-script/"


def _nul_refused(response: Any, path: str) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert path in body, body
    assert "null characters" in str(body[path]).lower()


def test_a_nul_inside_a_profiles_json_fields_is_a_400_naming_it(cast: Any, alice_client: Any) -> None:
    url = f"{PROFILES}{cast.store_a.pk}/"
    tts = alice_client.patch(url, {"tts_settings": {"voice_settings": {"style": "calm\u0000"}}}, format="json")
    _nul_refused(tts, "tts_settings.voice_settings.style")
    key = alice_client.patch(url, {"caption_style": {"fo\u0000nt": "Noto Sans"}}, format="json")
    _nul_refused(key, "caption_style.fo\\u0000nt")
    listed = alice_client.patch(url, {"tts_settings": {"tags": ["ok", "b\u0000d"]}}, format="json")
    _nul_refused(listed, "tts_settings.tags[1]")
    assert Profile.objects.get(pk=cast.store_a.pk).tts_settings == {}


def test_a_nul_in_one_click_params_or_a_segment_is_a_400(cast: Any, alice_client: Any, store: dict) -> None:
    response = alice_client.post("/api/v1/library/one-click/", {
        "source_video": str(store["video"].pk), "variant_count": 1,
        "publish": {"integration_ids": ["x"], "settings": {"instagram": {"post_type": "post\u0000"}}},
    }, format="json")  # fmt: skip
    _nul_refused(response, "publish.settings.instagram.post_type")
    assert not Job.all_objects.exists()
    segment = alice_client.post("/api/v1/library/segments/", {
        "source_video": str(store["video"].pk), "start": 0, "end": 2, "keywords": ["sh\u0000oe"],
    }, format="json")  # fmt: skip
    _nul_refused(segment, "keywords[0]")


def test_a_nul_in_a_form_field_is_a_400(alice_client: Any, store: dict) -> None:
    url = f"/api/v1/library/clips/{store['clip'].pk}/content/"
    multipart = alice_client.put(url, {"caption_style.font": "Noto\u0000Sans"}, format="multipart")
    _nul_refused(multipart, "caption_style.font")
    form = alice_client.generic(
        "PUT", url, "script_text=hi&caption_style.preset=pl%00ain", content_type="application/x-www-form-urlencoded"
    )
    _nul_refused(form, "caption_style.preset")
    store["clip"].refresh_from_db()
    assert store["clip"].caption_style == {}


def test_json_bodies_over_the_limit_answer_413(alice_client: Any, settings: Any) -> None:
    big = json.dumps({"srt": "x" * (1024**2 + 10)})
    response = alice_client.generic("POST", MATCH, big, content_type="application/json")
    assert response.status_code == 413, response.content[:300]
    assert "1048576 bytes" in response.json()["detail"]
    settings.MAX_JSON_BYTES = 100
    small = alice_client.post(MATCH, {"script_text": "a shoe " * 20}, format="json")
    assert small.status_code == 413
    form = alice_client.generic(
        "POST", MATCH, "script_text=" + "a+" * 100, content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 413
    settings.MAX_JSON_BYTES = 1024**2
    assert alice_client.post(MATCH, {"script_text": "a shoe " * 20}, format="json").status_code == 200


def test_a_body_that_says_it_is_short_is_read_no_further(alice_client: Any, settings: Any) -> None:
    settings.MAX_JSON_BYTES = 50
    body = json.dumps({"script_text": "word " * 100}).encode()
    response = alice_client.generic("POST", MATCH, body, content_type="application/json", CONTENT_LENGTH="40")
    assert response.status_code == 400  # the first 40 bytes are not a JSON document: never a 500


def test_multipart_uploads_are_not_held_to_the_json_limit(
    cast: Any, alice_client: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MAX_JSON_BYTES = 1000
    video = make_video(tmp_path / "v.mp4", seconds=1)
    assert video.stat().st_size > 1000
    assert upload(alice_client, video, name="fine").status_code == 201


def test_json_nested_too_deep_is_a_400(alice_client: Any) -> None:
    deep = '{"script_text": "a", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = alice_client.generic("POST", MATCH, deep, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
