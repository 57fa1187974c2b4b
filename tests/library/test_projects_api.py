from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.models import Clip, Job, Project, ProjectStatus, Segment, SourceVideo
from tests.conftest import api_client_for
from tests.factories import ClipFactory, ProjectFactory, SegmentFactory, SourceVideoFactory

PROJECTS = "/api/v1/library/projects/"
SEGMENTS = "/api/v1/library/segments/"
CLIPS = "/api/v1/library/clips/"


def _video(profile: Any, duration: float = 30.0) -> SourceVideo:
    video: SourceVideo = SourceVideoFactory.create(
        profile=profile, duration=duration, width=1280, height=720, has_audio=True
    )
    return video


def _segment(profile: Any, video: SourceVideo, start: float = 1.0, end: float = 3.0, **kw: Any) -> Segment:
    segment: Segment = SegmentFactory.create(profile=profile, source_video=video, start=start, end=end, **kw)
    return segment


@pytest.fixture
def video_a(cast: Any) -> SourceVideo:
    return _video(cast.store_a)


def test_segments_crud_and_validation(cast: Any, alice_client: Any, video_a: SourceVideo) -> None:
    body = {"source_video": str(video_a.pk), "start": 2.5, "end": 6, "keywords": [" Shoe ", "shoe", "Red"]}
    created = alice_client.post(SEGMENTS, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["keywords"] == ["shoe", "red"] and created.json()["origin"] == "manual"
    seg_id = created.json()["id"]
    for bad in ({"start": 5, "end": 5}, {"start": 6, "end": 2}, {"start": -1, "end": 2}, {"start": 1, "end": 31}):
        response = alice_client.post(SEGMENTS, {"source_video": str(video_a.pk), **bad}, format="json")
        assert response.status_code == 400, bad
    assert alice_client.post(SEGMENTS, {"source_video": "nope", "start": 0, "end": 1}, format="json").status_code == 404
    assert alice_client.post(f"{SEGMENTS}{seg_id}/favorite/", {}, format="json").json()["is_favorite"] is True
    assert alice_client.get(SEGMENTS, {"is_favorite": "true"}).json()["count"] == 1
    assert alice_client.get(SEGMENTS, {"source_video": str(video_a.pk)}).json()["count"] == 1
    assert alice_client.patch(f"{SEGMENTS}{seg_id}/", {"end": 40}, format="json").status_code == 400
    assert (
        alice_client.patch(f"{SEGMENTS}{seg_id}/", {"notes": "hero shot"}, format="json").json()["notes"] == "hero shot"
    )
    assert alice_client.delete(f"{SEGMENTS}{seg_id}/").status_code == 204


def test_a_segment_of_another_profiles_video_cannot_be_made(cast: Any) -> None:
    foreign = _video(cast.bob_store)
    response = api_client_for(cast.alice).post(
        SEGMENTS, {"source_video": str(foreign.pk), "start": 0, "end": 1}, format="json"
    )
    assert response.status_code == 404
    assert not Segment.all_objects.exists()


def test_projects_crud(cast: Any, alice_client: Any) -> None:
    created = alice_client.post(PROJECTS, {"name": "Spring sale", "target_duration": 12, "context_text": "red shoes"},
                                format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert {"id", "name", "description", "target_duration", "context_text", "status"} <= set(body)
    assert body["status"] == "draft"
    assert alice_client.post(PROJECTS, {"name": "spring SALE"}, format="json").status_code == 400
    assert alice_client.post(PROJECTS, {"name": "x", "target_duration": 1}, format="json").status_code == 400
    assert alice_client.post(PROJECTS, {"name": "y", "target_duration": 500}, format="json").status_code == 400
    url = f"{PROJECTS}{body['id']}/"
    assert alice_client.patch(url, {"status": "ready"}, format="json").status_code == 400
    assert alice_client.patch(url, {"status": "archived"}, format="json").json()["status"] == "archived"
    # Names are unique per profile, not across profiles.
    assert (
        api_client_for(cast.alice, cast.store_b).post(PROJECTS, {"name": "Spring sale"}, format="json").status_code
        == 201
    )
    assert alice_client.delete(url).status_code == 204


def test_assign_segments_in_order_and_refuse_foreign_ones(cast: Any, alice_client: Any, video_a: SourceVideo) -> None:
    project = alice_client.post(PROJECTS, {"name": "P"}, format="json").json()
    s1, s2, s3 = (_segment(cast.store_a, video_a, start=float(i), end=float(i + 1)) for i in range(3))
    url = f"{PROJECTS}{project['id']}/assign-segments/"
    assert alice_client.post(url, {"segments": [str(s3.pk), str(s1.pk)]}, format="json").json()["segments"] == [
        str(s3.pk), str(s1.pk)
    ]  # fmt: skip
    appended = alice_client.post(url, {"segments": [str(s2.pk), str(s1.pk)], "append": True}, format="json").json()
    assert appended["segments"] == [str(s3.pk), str(s1.pk), str(s2.pk)]
    assert alice_client.post(url, {"segments": [str(s1.pk), str(s1.pk)]}, format="json").status_code == 400
    foreign = _segment(cast.bob_store, _video(cast.bob_store))
    response = alice_client.post(url, {"segments": [str(s1.pk), str(foreign.pk)]}, format="json")
    assert response.status_code == 404
    assert alice_client.get(f"{PROJECTS}{project['id']}/").json()["segments"] == [str(s3.pk), str(s1.pk), str(s2.pk)]


def test_generate_validates_its_body(cast: Any, alice_client: Any, video_a: SourceVideo) -> None:
    project = alice_client.post(PROJECTS, {"name": "P"}, format="json").json()
    url = f"{PROJECTS}{project['id']}/generate/"
    for body in ({}, {"source_video": str(video_a.pk)}, {"source_video": str(video_a.pk), "variant_count": 0},
                 {"source_video": str(video_a.pk), "variant_count": 11},
                 {"source_video": str(video_a.pk), "variant_count": 2, "layout": "circle"},
                 {"source_video": str(video_a.pk), "variant_count": 2, "provider": "magic"}):  # fmt: skip
        assert alice_client.post(url, body, format="json").status_code == 400, body
    foreign = _video(cast.bob_store)
    assert (
        alice_client.post(url, {"source_video": str(foreign.pk), "variant_count": 1}, format="json").status_code == 404
    )
    assert not Job.all_objects.exists()
    assert Project.all_objects.get(pk=project["id"]).status == ProjectStatus.DRAFT


def test_generate_answers_202_with_the_job_and_refuses_a_second_run(cast: Any, alice_client: Any, video_a: SourceVideo,
                                                                     settings: Any) -> None:  # fmt: skip
    settings.GEMINI_API_KEY = ""
    project = alice_client.post(PROJECTS, {"name": "P"}, format="json").json()
    url = f"{PROJECTS}{project['id']}/generate/"
    response = alice_client.post(url, {"source_video": str(video_a.pk), "variant_count": 3, "target_duration": 10},
                                 format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "generate" and response.json()["status"] == "queued"
    assert Project.all_objects.get(pk=project["id"]).status == ProjectStatus.GENERATING
    assert (
        alice_client.post(url, {"source_video": str(video_a.pk), "variant_count": 1}, format="json").status_code == 409
    )
    progress = alice_client.get(f"{PROJECTS}{project['id']}/progress/").json()
    assert progress["status"] == "generating" and progress["job"]["id"] == response.json()["id"]


def test_generate_from_segments_needs_segments(cast: Any, alice_client: Any) -> None:
    project = alice_client.post(PROJECTS, {"name": "P"}, format="json").json()
    url = f"{PROJECTS}{project['id']}/generate-from-segments/"
    assert alice_client.post(url, {"variant_count": 2, "selection_mode": "random"}, format="json").status_code == 400
    assert alice_client.post(url, {"variant_count": 2, "selection_mode": "chaos"}, format="json").status_code == 400


def _clips(profile: Any, count: int) -> list[Clip]:
    project = ProjectFactory.create(profile=profile)
    return [ClipFactory.create(profile=profile, project=project, variant_index=i) for i in range(count)]


def test_clips_filter_select_and_bulk_select(cast: Any, alice_client: Any) -> None:
    clips = _clips(cast.store_a, 3)
    assert alice_client.get(CLIPS, {"project": str(clips[0].project_id)}).json()["count"] == 3
    assert alice_client.post(f"{CLIPS}{clips[0].pk}/select/", {}, format="json").json()["is_selected"] is True
    assert alice_client.get(CLIPS, {"selected": "true"}).json()["count"] == 1
    bulk = alice_client.post(f"{CLIPS}bulk-select/", {"clips": [str(c.pk) for c in clips[1:]]}, format="json")
    assert bulk.status_code == 200 and len(bulk.json()) == 2
    assert alice_client.get(CLIPS, {"selected": "true"}).json()["count"] == 3
    foreign = _clips(cast.bob_store, 1)[0]
    response = alice_client.post(f"{CLIPS}bulk-select/", {"clips": [str(clips[0].pk), str(foreign.pk)],
                                                         "selected": False}, format="json")  # fmt: skip
    assert response.status_code == 404
    assert Clip.all_objects.get(pk=clips[0].pk).is_selected is True
    assert alice_client.get(CLIPS, {"status": "bogus"}).status_code == 400
    assert alice_client.get(f"{CLIPS}{clips[0].pk}/download/", {"kind": "final"}).status_code == 404
    assert alice_client.get(f"{CLIPS}{clips[0].pk}/download/", {"kind": "zip"}).status_code == 400


@pytest.mark.parametrize("url", [PROJECTS, CLIPS, SEGMENTS])
def test_lists_keep_a_constant_query_count(cast: Any, alice_client: Any, url: str) -> None:
    video = _video(cast.store_a)
    _clips(cast.store_a, 2)
    _segment(cast.store_a, video)
    with CaptureQueriesContext(connection) as few:
        alice_client.get(url)
    for _ in range(5):
        _clips(cast.store_a, 10)
        _segment(cast.store_a, video)
    with CaptureQueriesContext(connection) as many:
        assert alice_client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
