"""The fake Postiz itself: it must refuse the mistakes POSTIZ.md lists, or it proves nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fakes.postiz import KEY_A, KEY_B, PostizState
from tests.fakes.server import Running
from tests.publishing import media

API = "/public/v1"
TIKTOK_OK = {
    "__type": "tiktok",
    "privacy_level": "SELF_ONLY",
    "duet": False,
    "stitch": False,
    "comment": True,
    "autoAddMusic": "no",
    "brand_content_toggle": False,
    "brand_organic_toggle": False,
    "content_posting_method": "UPLOAD",
}
VIDEO = {"id": "m1", "path": "http://fake/uploads/m1.mp4"}


def http(fake: Running, key: str | None = KEY_A) -> httpx.Client:
    headers = {"Authorization": key} if key is not None else {}
    return httpx.Client(base_url=fake.url, headers=headers, timeout=5)


def body(
    integration: str = "a-tiktok", settings: dict[str, Any] | None = None, *, type: str = "schedule", **top: Any
) -> dict[str, Any]:
    item = {
        "integration": {"id": integration},
        "value": [{"content": "New shoes", "image": [VIDEO]}],
        "settings": settings if settings is not None else TIKTOK_OK,
    }
    return {"type": type, "date": "2031-05-01T10:00:00.000Z", "shortLink": False, "tags": [], "posts": [item]} | top


def messages(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    return "\n".join(message) if isinstance(message, list) else message


def test_it_answers_401_with_the_documented_bodies(postiz: Running) -> None:
    with http(postiz, None) as anonymous, http(postiz, "nope") as wrong, http(postiz, f"Bearer {KEY_A}") as bearer:
        assert anonymous.get(f"{API}/integrations").json() == {"msg": "No API Key found"}
        assert wrong.get(f"{API}/integrations").json() == {"msg": "Invalid API key"}
        response = bearer.get(f"{API}/integrations")
    assert response.status_code == 401
    assert response.json() == {"msg": "Invalid API key"}


def test_it_serves_both_prefixes_and_nothing_else(postiz: Running) -> None:
    with http(postiz) as client:
        assert client.get("/public/v1/is-connected").json() == {"connected": True}
        assert client.get("/api/public/v1/is-connected").json() == {"connected": True}
        assert client.get("/is-connected").status_code == 404


def test_it_has_no_get_post_by_id(postiz: Running) -> None:
    with http(postiz) as client:
        post_id = client.post(f"{API}/posts", json=body()).json()[0]["postId"]
        response = client.get(f"{API}/posts/{post_id}")
    assert response.status_code == 404


def test_it_answers_post_id_not_id(postiz: Running) -> None:
    with http(postiz) as client:
        answer = client.post(f"{API}/posts", json=body()).json()
    assert len(answer) == 1
    assert set(answer[0]) == {"postId", "integration"}
    assert answer[0]["integration"] == "a-tiktok"


def test_it_requires_date_even_for_now(postiz: Running) -> None:
    without_date = body(type="now")
    del without_date["date"]
    with http(postiz) as client:
        assert "date must be a valid ISO 8601 date string" in messages(client.post(f"{API}/posts", json=without_date))
        assert client.post(f"{API}/posts", json=body(type="now")).status_code == 200


@pytest.mark.parametrize("type", ["draft", "schedule", "now"])
def test_it_rejects_empty_tiktok_settings_even_for_drafts(postiz: Running, type: str) -> None:
    with http(postiz) as client:
        text = messages(client.post(f"{API}/posts", json=body(settings={"__type": "tiktok"}, type=type)))
    for field in ("privacy_level", "duet", "stitch", "comment", "autoAddMusic", "content_posting_method"):
        assert f"posts.0.settings.{field}" in text


def test_it_rejects_settings_without_type(postiz: Running) -> None:
    with http(postiz) as client:
        text = messages(client.post(f"{API}/posts", json=body(settings={})))
    assert "posts.0.settings.__type must be a string" in text


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("", "longer than or equal to 2"),
        ("a", "longer than or equal to 2"),
        ("x" * 101, "shorter than or equal to 100"),
    ],
)
def test_it_checks_the_youtube_title_length(postiz: Running, title: str, expected: str) -> None:
    settings = {"__type": "youtube", "title": title, "type": "public"}
    with http(postiz) as client:
        text = messages(client.post(f"{API}/posts", json=body("a-youtube", settings, type="draft")))
    assert f"posts.0.settings.title must be {expected}" in text


def test_it_counts_title_length_like_javascript(postiz: Running) -> None:
    settings = {"__type": "youtube", "title": "😀" * 51, "type": "public"}  # 51 chars, 102 UTF-16 units
    with http(postiz) as client:
        assert "shorter than or equal to 100" in messages(client.post(f"{API}/posts", json=body("a-youtube", settings)))


@pytest.mark.parametrize(
    ("integration", "settings", "field"),
    [
        ("a-instagram", {"__type": "instagram", "post_type": "reel"}, "post_type"),
        ("a-x", {"__type": "x"}, "who_can_reply_post"),
        ("a-pinterest", {"__type": "pinterest"}, "board"),
        ("a-youtube", {"__type": "youtube", "title": "Shoes", "type": "secret"}, "type"),
    ],
)
def test_it_validates_each_providers_settings(postiz: Running, integration: str, settings: dict, field: str) -> None:
    with http(postiz) as client:
        assert f"posts.0.settings.{field}" in messages(client.post(f"{API}/posts", json=body(integration, settings)))


def test_it_rejects_settings_of_another_provider(postiz: Running) -> None:
    with http(postiz) as client:
        text = messages(client.post(f"{API}/posts", json=body("a-threads", TIKTOK_OK)))
    assert "__type must be threads" in text


def test_it_checks_the_top_level_fields(postiz: Running) -> None:
    bad = body(type="later", shortLink="no", tags="sale") | {"posts": []}
    with http(postiz) as client:
        text = messages(client.post(f"{API}/posts", json=bad))
    assert "type must be one of the following values" in text
    assert "shortLink must be a boolean value" in text
    assert "tags must be an array" in text
    assert "posts must contain at least 1 elements" in text


def test_it_checks_values_and_media(postiz: Running) -> None:
    bad = body()
    bad["posts"][0]["value"] = [
        {"content": "no image key"},
        {"content": "", "image": []},
        {"content": "a mov", "image": [{"id": "m", "path": "http://fake/uploads/m.mov"}]},
    ]
    with http(postiz) as client:
        text = messages(client.post(f"{API}/posts", json=bad))
    assert "posts.0.value.0.image must be an array" in text
    assert "posts.0.value.1.content should not be empty" in text
    assert "posts.0.value.2.image.0.path must end with" in text


def test_it_answers_provider_errors_for_a_video_channel_without_video(postiz: Running) -> None:
    no_video = body()
    no_video["posts"][0]["value"][0]["image"] = []
    with http(postiz) as client:
        response = client.post(f"{API}/posts", json=no_video)
    assert response.status_code == 400
    assert response.json()["provider"] == "tiktok"


@pytest.mark.parametrize(("name", "data"), [("clip.mov", media.MOV), ("clip.webm", media.WEBM), ("x.mkv", media.WEBM)])
def test_it_refuses_video_that_is_not_mp4(postiz: Running, name: str, data: bytes) -> None:
    with http(postiz) as client:
        response = client.post(f"{API}/upload", files={"file": (name, data)})
        renamed = client.post(f"{API}/upload", files={"file": ("renamed.mp4", data)})
    assert messages(response).startswith("Unsupported file type.")
    assert messages(renamed).startswith("Unsupported file type."), "the type comes from the bytes, not the name"


@pytest.mark.parametrize(("data", "ext"), [(media.MP4, "mp4"), (media.JPEG, "jpg"), (media.PNG, "png")])
def test_it_accepts_mp4_and_images(postiz: Running, data: bytes, ext: str) -> None:
    with http(postiz) as client:
        answer = client.post(f"{API}/upload", files={"file": ("whatever.bin", data)}).json()
    assert set(answer) == {"id", "name", "originalName", "path", "thumbnail", "alt"}
    assert answer["path"].endswith(f".{ext}")
    assert answer["originalName"] == f"whatever.{ext}"


def test_it_needs_a_file_and_enforces_size_limits(postiz: Running, postiz_state: PostizState) -> None:
    postiz_state.max_video_bytes = 50
    with http(postiz) as client:
        missing = client.post(f"{API}/upload", files={"other": ("a.mp4", media.MP4)})
        too_big = client.post(f"{API}/upload", files={"file": ("a.mp4", media.MP4)})
    assert missing.status_code == 400
    assert missing.json() == {"msg": "No file provided"}
    assert messages(too_big) == "File size exceeds the maximum allowed size of 50 bytes."


def test_it_lists_by_range_with_both_dates_required(postiz: Running, postiz_state: PostizState) -> None:
    with http(postiz) as client:
        created = client.post(f"{API}/posts", json=body()).json()[0]
        assert "endDate must be a valid ISO 8601" in messages(
            client.get(f"{API}/posts", params={"startDate": "2031-05-01T00:00:00Z"})
        )
        postiz_state.publish(created["postId"], "https://tiktok.example/v/1")
        window = {"startDate": "2031-05-01T00:00:00Z", "endDate": "2031-05-02T00:00:00Z"}
        posts = client.get(f"{API}/posts", params=window).json()["posts"]
        later = client.get(
            f"{API}/posts", params={"startDate": "2031-06-01T00:00:00Z", "endDate": "2031-07-01T00:00:00Z"}
        )
    assert [(p["id"], p["state"], p["releaseURL"]) for p in posts] == [
        (created["postId"], "PUBLISHED", "https://tiktok.example/v/1")
    ]
    assert posts[0]["integration"]["providerIdentifier"] == "tiktok"
    assert later.json() == {"posts": []}


def test_it_deletes_the_whole_group_answering_error_true(postiz: Running, postiz_state: PostizState) -> None:
    two = body()
    two["posts"].append(
        {**two["posts"][0], "integration": {"id": "a-x"}, "settings": {"__type": "x", "who_can_reply_post": "everyone"}}
    )
    for item in two["posts"]:
        item["group"] = "g-1"
    with http(postiz) as client:
        first = client.post(f"{API}/posts", json=two).json()[0]["postId"]
        response = client.delete(f"{API}/posts/{first}")
    assert response.status_code == 200
    assert response.json() == {"error": True}
    assert postiz_state.org(KEY_A).posts == {}


def test_it_keeps_organizations_apart(postiz: Running, postiz_state: PostizState) -> None:
    with http(postiz, KEY_A) as alice, http(postiz, KEY_B) as bob:
        post_id = alice.post(f"{API}/posts", json=body()).json()[0]["postId"]
        assert {i["id"] for i in bob.get(f"{API}/integrations").json()} == set(postiz_state.org(KEY_B).channels)
        assert messages(bob.post(f"{API}/posts", json=body("a-tiktok"))) == "Integration with id a-tiktok not found"
        assert bob.delete(f"{API}/posts/{post_id}").status_code == 404
        window = {"startDate": "2031-01-01T00:00:00Z", "endDate": "2032-01-01T00:00:00Z"}
        assert bob.get(f"{API}/posts", params=window).json() == {"posts": []}
        assert bob.get(f"{API}/integration-settings/a-tiktok").status_code == 404
    assert list(postiz_state.org(KEY_A).posts) == [post_id]
    assert [c.key for c in postiz_state.calls_to("POST", "/posts")] == [KEY_A, KEY_B]


def test_it_throttles_post_posts_per_organization(postiz: Running, postiz_state: PostizState) -> None:
    postiz_state.set_rate_limit(2, retry_after=5)
    with http(postiz, KEY_A) as alice, http(postiz, KEY_B) as bob:
        assert [alice.post(f"{API}/posts", json=body()).status_code for _ in range(2)] == [200, 200]
        throttled = alice.post(f"{API}/posts", json=body())
        assert alice.get(f"{API}/integrations").status_code == 200, "only POST /posts is throttled"
        assert bob.post(f"{API}/posts", json=body("b-tiktok")).status_code == 200, "the limit is per organization"
    assert throttled.status_code == 429
    assert throttled.json() == {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
    assert throttled.headers["Retry-After"] == "5"


def test_it_records_calls_and_injects_faults(postiz: Running, postiz_state: PostizState) -> None:
    postiz_state.fail_next(503)
    with http(postiz) as client:
        assert client.post(f"{API}/posts", json=body()).status_code == 503
        assert client.post(f"{API}/posts", json=body()).status_code == 200
    call = postiz_state.calls[-1]
    assert (call.method, call.path, call.key) == ("POST", "/public/v1/posts", KEY_A)
    assert call.body["posts"][0]["integration"] == {"id": "a-tiktok"}


def test_it_describes_integration_settings(postiz: Running) -> None:
    with http(postiz) as client:
        output = client.get(f"{API}/integration-settings/a-tiktok").json()["output"]
    assert "privacy_level" in output["settings"]["required"]
