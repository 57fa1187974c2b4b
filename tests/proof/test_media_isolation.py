"""Media files of one profile cannot be fetched through another profile's URLs.

Every route that serves a stored file (video stream and thumbnail, clip raw/final download and
thumbnail, job output download) is tried with REAL files on disk behind every profile's rows:
the owner gets the exact bytes (so the check can fail), anyone else gets 404 and not one byte,
whatever the method (GET, HEAD), range, query string or path trick. tests/tenancy/ already walks
every route x method with foreign ids; this file adds the files themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import default_storage

from tests.conftest import api_client_for
from tests.proof.world import World

V = "/api/v1/library/source-videos/"
C = "/api/v1/library/clips/"

# (route, url of a world's file, the stored name that url serves)
MEDIA_ROUTES: list[tuple[str, Callable[[World], str], Callable[[World], str]]] = [
    ("video-stream", lambda w: f"{V}{w.video.pk}/stream/", lambda w: w.video.file.name),
    ("video-thumbnail", lambda w: f"{V}{w.video.pk}/thumbnail/", lambda w: w.video.thumbnail.name),
    ("clip-download-raw", lambda w: f"{C}{w.clip.pk}/download/?kind=raw", lambda w: w.clip.raw_file.name),
    ("clip-download-final", lambda w: f"{C}{w.clip.pk}/download/?kind=final", lambda w: w.clip.final_file.name),
    ("clip-download-default", lambda w: f"{C}{w.clip.pk}/download/", lambda w: w.clip.final_file.name),
    ("clip-thumbnail", lambda w: f"{C}{w.clip.pk}/thumbnail/", lambda w: w.clip.thumbnail.name),
    ("job-download", lambda w: f"/api/v1/jobs/{w.job.pk}/download/", lambda w: w.job.output.name),
]
ROUTE_IDS = [r[0] for r in MEDIA_ROUTES]


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


@pytest.fixture
def worlds(world_a: World, world_b: World, world_bob: World) -> dict[str, World]:
    return {"store_a": world_a, "store_b": world_b, "bob_store": world_bob}


@pytest.mark.parametrize(("route", "url", "name"), MEDIA_ROUTES, ids=ROUTE_IDS)
def test_the_owner_gets_the_exact_file(cast: Any, worlds: dict[str, World], route: str, url: Any, name: Any) -> None:
    world = worlds["store_a"]
    response = api_client_for(cast.alice, cast.store_a).get(url(world))
    assert response.status_code == 200, response.content[:300]
    assert _body(response) == _stored(name(world))
    ranged = api_client_for(cast.alice, cast.store_a).get(url(world), HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206 and _body(ranged) == _stored(name(world))[:100]


@pytest.mark.parametrize("owner", ["store_b", "bob_store"])
@pytest.mark.parametrize(("route", "url", "name"), MEDIA_ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("how", ["get", "head", "range", "suffix-range"])
def test_another_profiles_file_is_not_found(
    cast: Any, worlds: dict[str, World], route: str, url: Any, name: Any, owner: str, how: str
) -> None:
    foreign = worlds[owner]
    assert default_storage.exists(name(foreign)), "the foreign file must really be there"
    client = api_client_for(cast.alice, cast.store_a)
    target = url(foreign)
    if how == "head":
        response = client.head(target)
    elif how == "range":
        response = client.get(target, HTTP_RANGE="bytes=0-")
    elif how == "suffix-range":
        response = client.get(target, HTTP_RANGE="bytes=-100")
    else:
        response = client.get(target)

    assert response.status_code == 404, (route, owner, how, response.status_code)
    body = _body(response)
    assert _stored(name(foreign))[:64] not in body
    assert "Content-Range" not in response and "Content-Disposition" not in response


@pytest.mark.parametrize(("route", "url", "name"), MEDIA_ROUTES, ids=ROUTE_IDS)
def test_the_profile_query_parameter_cannot_reach_another_users_files(
    cast: Any, worlds: dict[str, World], route: str, url: Any, name: Any
) -> None:
    """?profile= (browsable API) names a store like X-Profile-Id does: bob's store is refused
    (403), and naming alice's other store while her header says Store A still serves Store A."""
    bob = worlds["bob_store"]
    sep = "&" if "?" in url(bob) else "?"
    denied = api_client_for(cast.alice).get(f"{url(bob)}{sep}profile={cast.bob_store.pk}")
    assert denied.status_code == 403
    header_wins = api_client_for(cast.alice, cast.store_a).get(
        f"{url(worlds['store_b'])}{sep}profile={cast.store_b.pk}"
    )
    assert header_wins.status_code == 404


PATH_TRICKS: list[tuple[str, Callable[[dict[str, World]], str]]] = [
    ("dotdot-encoded-profile", lambda w: f"{V}..%2F{w['store_b'].profile.pk}%2Fvideos%2Fb.mp4/stream/"),
    ("dotdot-after-own-id", lambda w: f"{V}{w['store_a'].video.pk}/stream/../../{w['store_b'].video.pk}/stream/"),
    ("dotdot-raw-profile", lambda w: f"{V}../{w['store_b'].profile.pk}/videos/b.mp4"),
    ("dotdot-double-encoded", lambda w: f"{V}%252e%252e%252f{w['store_b'].video.pk}/stream/"),
    ("id-with-suffix", lambda w: f"{V}{w['store_b'].video.pk}.mp4/stream/"),
    ("id-plus-own-id", lambda w: f"{V}{w['store_a'].video.pk}%2F..%2F{w['store_b'].video.pk}/stream/"),
    ("clip-id-traversal", lambda w: f"{C}..%2F..%2F{w['store_b'].clip.pk}/download/?kind=final"),
    ("job-id-traversal", lambda w: f"/api/v1/jobs/{w['store_a'].job.pk}%2F..%2F{w['store_b'].job.pk}/download/"),
    ("media-url-direct", lambda w: f"/media/{w['store_b'].video.file.name}"),
    ("media-url-own", lambda w: f"/media/{w['store_a'].video.file.name}"),
    ("media-url-via-api", lambda w: f"/api/v1/../media/{w['store_b'].video.file.name}"),
    ("storage-name-as-id", lambda w: f"{V}{w['store_b'].video.file.name.replace('/', '%2F')}/stream/"),
]


@pytest.mark.parametrize(("trick", "url"), PATH_TRICKS, ids=[t[0] for t in PATH_TRICKS])
def test_path_tricks_in_ids_serve_nothing(cast: Any, worlds: dict[str, World], trick: str, url: Any) -> None:
    response = api_client_for(cast.alice, cast.store_a).get(url(worlds))
    assert response.status_code in (400, 404), (trick, response.status_code)
    body = _body(response)
    for world in worlds.values():
        for stored in world.stored_names():
            assert _stored(stored)[:64] not in body, (trick, stored)


@pytest.mark.parametrize(
    "header",
    [
        "{a}/../{b}",
        "{b}%00",
        "{a},{b}",
        " {b} ",  # padding is tolerated: it still names store B, which alice owns -> its own files only
    ],
)
def test_profile_header_tricks_never_mix_profiles(cast: Any, worlds: dict[str, World], header: str) -> None:
    value = header.format(a=cast.store_a.pk, b=cast.store_b.pk)
    client = api_client_for(cast.alice)
    response = client.get(f"{V}{worlds['bob_store'].video.pk}/stream/", HTTP_X_PROFILE_ID=value)
    assert response.status_code == 404
    own = client.get(f"{V}{worlds['store_a'].video.pk}/stream/", HTTP_X_PROFILE_ID=value)
    if value.strip() == str(cast.store_b.pk):
        assert own.status_code == 404  # acting as store B: store A's video is foreign
    else:
        assert own.status_code == 404 and own.json()["detail"] == "Profile not found"
