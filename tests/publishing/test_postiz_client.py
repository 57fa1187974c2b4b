"""PostizClient against the fake Postiz over real loopback HTTP."""

from __future__ import annotations

import email.utils
import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from library.providers.backoff import call_with_backoff
from publishing.postiz import (
    KEY_REJECTED,
    PostItem,
    PostizClient,
    PostizError,
    UploadedMedia,
    build_settings,
    normalize_base_url,
)
from tests.fakes.postiz import KEY_A, PostizState
from tests.fakes.server import Running
from tests.publishing import media

WHEN = datetime(2031, 5, 1, 10, 0, tzinfo=UTC)
VIDEO = UploadedMedia(id="m1", path="http://fake/uploads/m1.mp4")


def item(integration_id: str, identifier: str, **overrides: object) -> PostItem:
    caption = "Summer sneakers are here\n#shoes"
    settings = build_settings(identifier, caption=caption, overrides=overrides or None)
    return PostItem(integration_id=integration_id, content=caption, settings=settings, media=[VIDEO])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("https://api.postiz.com", "https://api.postiz.com/public/v1"),
        ("https://api.postiz.com/public/v1", "https://api.postiz.com/public/v1"),
        ("  https://API.postiz.com/public/v1/  ", "https://api.postiz.com/public/v1"),
        ("https://postiz.example.com", "https://postiz.example.com/api/public/v1"),
        ("https://postiz.example.com/", "https://postiz.example.com/api/public/v1"),
        ("https://postiz.example.com/api", "https://postiz.example.com/api/public/v1"),
        ("https://postiz.example.com/api/", "https://postiz.example.com/api/public/v1"),
        ("https://postiz.example.com/api/public/v1", "https://postiz.example.com/api/public/v1"),
        ("https://postiz.example.com/api/public/v1/posts", "https://postiz.example.com/api/public/v1"),
        ("https://example.com/postiz", "https://example.com/postiz/api/public/v1"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000/api/public/v1"),
        ("http://127.0.0.1:5000/public/v1?x=1#top", "http://127.0.0.1:5000/public/v1"),
    ],
)
def test_it_normalizes_what_users_type(typed: str, expected: str) -> None:
    assert normalize_base_url(typed) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Enter"),
        ("   ", "Enter"),
        ("postiz.example.com", "http:// or https://"),
        ("ftp://postiz.example.com", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("https://", "no host"),
        ("https://user:secret@postiz.example.com", "credentials"),
        ("https://postiz.example.com:99999", "port"),
    ],
)
def test_it_rejects_urls_it_cannot_use(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalize_base_url(typed)


def test_it_sends_the_raw_key_under_either_prefix(postiz: Running, postiz_state: PostizState) -> None:
    for base in (postiz.url, f"{postiz.url}/public/v1"):
        with PostizClient(base_url=base, api_key=KEY_A) as client:
            assert client.is_connected() is True
    assert [(c.path, c.key) for c in postiz_state.calls] == [
        ("/api/public/v1/is-connected", KEY_A),
        ("/public/v1/is-connected", KEY_A),
    ]


def test_it_lists_integrations_as_typed_records(client_a: PostizClient) -> None:
    integrations = {i.id: i for i in client_a.list_integrations()}
    assert integrations["a-tiktok"].identifier == "tiktok"
    assert integrations["a-tiktok"].name == "Org a tiktok"
    assert integrations["a-tiktok"].disabled is False
    assert not any(i.startswith("b-") for i in integrations)


def test_it_uploads_an_mp4(client_a: PostizClient, postiz_state: PostizState, tmp_path: Path) -> None:
    uploaded = client_a.upload(media.write(tmp_path, "final clip.mp4", media.MP4))
    assert uploaded.path.endswith(".mp4")
    assert uploaded.original_name == "final clip.mp4"
    assert uploaded.id in postiz_state.uploads
    assert postiz_state.calls[-1].body == {"file": {"filename": "final clip.mp4", "size": len(media.MP4)}}


@pytest.mark.parametrize(
    ("name", "data"),
    [("clip.mov", media.MOV), ("clip.webm", media.WEBM), ("clip.mkv", media.WEBM), ("quicktime.mp4", media.MOV)],
)
def test_it_refuses_non_mp4_before_any_call(
    client_a: PostizClient, postiz_state: PostizState, tmp_path: Path, name: str, data: bytes
) -> None:
    with pytest.raises(PostizError) as caught:
        client_a.upload(media.write(tmp_path, name, data))
    assert caught.value.code == "unsupported_media"
    assert caught.value.retryable is False
    assert postiz_state.calls == []


def test_it_reports_a_missing_file_without_calling(client_a: PostizClient, postiz_state: PostizState) -> None:
    with pytest.raises(PostizError) as caught:
        client_a.upload(Path("/nonexistent/clip.mp4"))
    assert (caught.value.code, caught.value.retryable) == ("file_unreadable", False)
    assert postiz_state.calls == []


def test_it_creates_several_channels_in_one_request(client_a: PostizClient, postiz_state: PostizState) -> None:
    created = client_a.create_post(
        type="schedule",
        date=WHEN,
        posts=[item("a-instagram", "instagram"), item("a-tiktok", "tiktok"), item("a-youtube", "youtube")],
        tags=["sale"],
    )
    stored = postiz_state.org(KEY_A).posts
    assert len(postiz_state.calls_to("POST", "/posts")) == 1
    assert [c.integration_id for c in created] == ["a-instagram", "a-tiktok", "a-youtube"]
    assert {c.post_id for c in created} == set(stored), "post ids come from `postId`"
    assert len({c.group for c in created}) == 1
    assert {p.group for p in stored.values()} == {created[0].group}
    body = postiz_state.calls[-1].body
    assert body["tags"] == [{"value": "sale", "label": "sale"}]
    assert body["shortLink"] is False
    assert body["posts"][0]["value"][0]["image"] == [{"id": "m1", "path": VIDEO.path}]


def test_it_sends_the_date_for_now_in_utc(client_a: PostizClient, postiz_state: PostizState) -> None:
    paris = datetime(2031, 5, 1, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    client_a.create_post(type="now", date=paris, posts=[item("a-x", "x")], group="g-now")
    body = postiz_state.calls[-1].body
    assert body["type"] == "now"
    assert body["date"] == "2031-05-01T12:00:00.000Z"
    assert body["posts"][0]["group"] == "g-now"


def test_it_refuses_naive_dates_before_calling(client_a: PostizClient, postiz_state: PostizState) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        client_a.create_post(type="now", date=datetime(2031, 5, 1), posts=[item("a-x", "x")])  # noqa: DTZ001
    assert postiz_state.calls == []


def test_it_treats_delete_answering_error_true_as_success(client_a: PostizClient, postiz_state: PostizState) -> None:
    created = client_a.create_post(type="schedule", date=WHEN, posts=[item("a-x", "x"), item("a-threads", "threads")])
    assert client_a.delete_post(created[0].post_id) is None
    assert postiz_state.org(KEY_A).posts == {}, "the whole group is gone"


def test_it_lists_by_range_and_finds_by_group(client_a: PostizClient, postiz_state: PostizState) -> None:
    mine = client_a.create_post(type="schedule", date=WHEN, posts=[item("a-x", "x"), item("a-tiktok", "tiktok")])
    client_a.create_post(type="schedule", date=WHEN, posts=[item("a-threads", "threads")])
    postiz_state.publish(mine[0].group, "https://social.example/p/1")

    found = client_a.find_posts_by_group(mine[0].group, start=WHEN - timedelta(hours=1), end=WHEN + timedelta(hours=1))
    later = client_a.list_posts(start=WHEN + timedelta(days=1), end=WHEN + timedelta(days=2))

    assert {p.id for p in found} == {c.post_id for c in mine}
    assert {(p.state, p.release_url) for p in found} == {("PUBLISHED", "https://social.example/p/1")}
    assert {p.integration_provider for p in found} == {"x", "tiktok"}
    assert found[0].publish_date == WHEN
    assert later == []
    assert postiz_state.calls[-1].query == {
        "startDate": "2031-05-02T10:00:00.000Z",
        "endDate": "2031-05-03T10:00:00.000Z",
    }


def test_it_reads_failed_and_draft_states(client_a: PostizClient, postiz_state: PostizState) -> None:
    failed = client_a.create_post(type="schedule", date=WHEN, posts=[item("a-x", "x")])[0]
    draft = client_a.create_post(type="draft", date=WHEN, posts=[item("a-threads", "threads")])[0]
    postiz_state.fail(failed.post_id)
    states = {p.id: p.state for p in client_a.list_posts(start=WHEN, end=WHEN)}
    assert states == {failed.post_id: "ERROR", draft.post_id: "DRAFT"}


def test_it_reports_a_rejected_key_as_not_retryable(postiz: Running, postiz_state: PostizState) -> None:
    sleeps: list[float] = []
    with PostizClient(base_url=postiz.url, api_key="wrong-key") as client, pytest.raises(PostizError) as caught:
        call_with_backoff(client.list_integrations, sleep=sleeps.append)
    assert str(caught.value) == KEY_REJECTED == "Postiz key rejected"
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (401, "auth", False)
    assert len(postiz_state.calls) == 1
    assert sleeps == []


def test_it_includes_the_servers_validation_messages(client_a: PostizClient) -> None:
    settings = {"__type": "youtube", "title": "x", "type": "secret"}  # bypasses build_settings on purpose
    post = PostItem(integration_id="a-youtube", content="Shoes", settings=settings, media=[VIDEO])
    with pytest.raises(PostizError) as caught:
        client_a.create_post(type="draft", date=WHEN, posts=[post])
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (400, "invalid", False)
    assert "posts.0.settings.title must be longer than or equal to 2 characters; " in str(caught.value)
    assert "posts.0.settings.type must be one of" in str(caught.value)


def test_it_names_the_provider_in_provider_errors(client_a: PostizClient) -> None:
    post = PostItem(
        integration_id="a-tiktok", content="No video", settings=build_settings("tiktok", caption="", overrides=None)
    )
    with pytest.raises(PostizError, match=r"tiktok \(Org a tiktok\): tiktok needs a video"):
        client_a.create_post(type="now", date=WHEN, posts=[post])


def test_it_never_uses_one_orgs_key_for_anothers_channel(client_b: PostizClient, postiz_state: PostizState) -> None:
    with pytest.raises(PostizError, match="Integration with id a-tiktok not found") as caught:
        client_b.create_post(type="schedule", date=WHEN, posts=[item("a-tiktok", "tiktok")])
    assert caught.value.retryable is False
    assert postiz_state.org(KEY_A).posts == {}


def test_it_honours_retry_after_on_429(client_a: PostizClient, postiz_state: PostizState) -> None:
    postiz_state.fail_next(429, retry_after=7)
    sleeps: list[float] = []
    created = call_with_backoff(
        lambda: client_a.create_post(type="now", date=WHEN, posts=[item("a-x", "x")]), sleep=sleeps.append
    )
    assert sleeps == [7.0]
    assert len(created) == 1
    assert len(postiz_state.calls_to("POST", "/posts")) == 2


def test_it_reads_retry_after_as_an_http_date(client_a: PostizClient, postiz_state: PostizState) -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    postiz_state.fail_next(429, retry_after=email.utils.format_datetime(later, usegmt=True))
    with pytest.raises(PostizError) as caught:
        client_a.list_integrations()
    assert caught.value.code == "rate_limited"
    assert caught.value.retry_after is not None
    assert 25 <= caught.value.retry_after <= 31


def test_it_stops_when_the_throttle_asks_for_longer_than_max_delay(
    client_a: PostizClient, postiz_state: PostizState
) -> None:
    postiz_state.set_rate_limit(1, retry_after=3600)
    client_a.create_post(type="now", date=WHEN, posts=[item("a-x", "x")])
    sleeps: list[float] = []
    with pytest.raises(PostizError) as caught:
        call_with_backoff(
            lambda: client_a.create_post(type="now", date=WHEN, posts=[item("a-x", "x")]), sleep=sleeps.append
        )
    assert (caught.value.status, caught.value.retryable, caught.value.retry_after) == (429, True, 3600.0)
    assert sleeps == []


def test_it_retries_server_errors_with_growing_delays(client_a: PostizClient, postiz_state: PostizState) -> None:
    postiz_state.fail_next(503, times=2)
    sleeps: list[float] = []
    integrations = call_with_backoff(client_a.list_integrations, base_delay=1.0, sleep=sleeps.append)
    assert len(integrations) == 7
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.0
    assert 1.0 <= sleeps[1] <= 2.0


def test_it_raises_the_last_error_when_attempts_run_out(client_a: PostizClient, postiz_state: PostizState) -> None:
    postiz_state.fail_next(500, times=5)
    sleeps: list[float] = []
    with pytest.raises(PostizError) as caught:
        call_with_backoff(client_a.list_integrations, attempts=3, max_delay=1.5, sleep=sleeps.append)
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (500, "server_error", True)
    assert len(postiz_state.calls) == 3
    assert len(sleeps) == 2
    assert max(sleeps) <= 1.5


def test_it_turns_a_timeout_into_a_retryable_error(postiz: Running, postiz_state: PostizState) -> None:
    postiz_state.delay_next(1.0)
    with PostizClient(base_url=postiz.url, api_key=KEY_A, timeout=0.2) as client, pytest.raises(PostizError) as caught:
        client.is_connected()
    assert (caught.value.code, caught.value.retryable, caught.value.status) == ("timeout", True, None)


def test_it_turns_a_refused_connection_into_a_retryable_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = PostizClient(base_url=f"http://127.0.0.1:{port}", api_key=KEY_A, timeout=2)
    with client, pytest.raises(PostizError) as caught:
        client.is_connected()
    assert (caught.value.code, caught.value.retryable) == ("unreachable", True)


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (httpx.Response(200, text="<html>Postiz</html>"), "bad_response"),
        (httpx.Response(302, headers={"Location": "https://elsewhere.example/"}), "redirect"),
        (httpx.Response(200, json=[{"id": "not-a-post-id"}]), "bad_response"),
    ],
)
def test_it_refuses_answers_it_cannot_trust(response: httpx.Response, code: str) -> None:
    transport = httpx.MockTransport(lambda request: response)  # the remote end, not our code
    client = PostizClient(base_url="https://postiz.example.com", api_key=KEY_A, transport=transport)
    with client, pytest.raises(PostizError) as caught:
        client.create_post(type="now", date=WHEN, posts=[item("a-x", "x")])
    assert (caught.value.code, caught.value.retryable) == (code, False)


def test_it_reads_integration_settings(client_a: PostizClient) -> None:
    assert "required" in client_a.integration_settings("a-youtube")["output"]["settings"]


def test_it_never_shows_the_key(postiz: Running, postiz_state: PostizState, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    postiz_state.fail_next(503)
    with PostizClient(base_url=postiz.url, api_key=KEY_A) as client:
        call_with_backoff(client.list_integrations, sleep=lambda _: None)
        with pytest.raises(PostizError) as caught:
            client.create_post(type="now", date=WHEN, posts=[item("b-x", "x")])
        shown = [repr(client), str(client.__dict__.get("base_url")), str(caught.value), repr(caught.value)]
    assert caplog.records, "the calls are logged"
    assert KEY_A not in caplog.text
    assert all(KEY_A not in text for text in shown)
    assert KEY_A[-4:] in repr(client), "the last characters help support tell keys apart"


def test_it_says_so_when_no_postiz_api_answers_at_the_url(postiz: Running) -> None:
    client = PostizClient(base_url=f"{postiz.url}/somewhere-else/public/v1", api_key=KEY_A)
    with client, pytest.raises(PostizError, match="check the API URL") as caught:
        client.list_integrations()
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (404, "not_found", False)
