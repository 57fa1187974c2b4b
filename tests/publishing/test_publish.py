"""Publishing through the fake Postiz: one post per clip for all integrations, pacing, no
duplicates after a crash, keys kept apart, clear failures."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from library.jobs.queue import job_send
from library.models import Clip, ClipStatus, Job, JobStatus, Project
from library.services.jobs import jobs_requeue_stale
from library.tasks import run_job, send_job
from profiles.models import Profile
from profiles.tenancy import profile_scope
from publishing.models import PostizCall, Publication, PublicationStatus
from tests.conftest import api_client_for
from tests.fakes.postiz import KEY_A, KEY_B, PostizHandler, PostizState, default_state
from tests.fakes.server import Running, running
from tests.media import make_video
from tests.worker import qcluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
PUB = "/api/v1/publishing/"


@pytest.fixture
def fake() -> Iterator[Running]:
    cache.clear()
    with running(PostizHandler, default_state()) as server:
        yield server


def _connect(profile: Any, fake: Running, key: str) -> None:
    Profile.objects.filter(pk=profile.pk).update(postiz_api_url=fake.url, postiz_api_key="")
    row = Profile.objects.get(pk=profile.pk)
    row.postiz_api_key = key
    row.save(update_fields=["postiz_api_key"])


@pytest.fixture
def connected(cast: Any, fake: Running) -> Running:
    _connect(cast.store_a, fake, KEY_A)
    _connect(cast.bob_store, fake, KEY_B)
    return fake


def _final_clip(profile: Any, tmp_path: Path, index: int = 1) -> Clip:
    """A clip with a real, small final MP4 (the render itself is tested in tests/library)."""
    video = make_video(tmp_path / f"final-{index}.mp4", seconds=1, size="180x320")
    with profile_scope(profile):
        project = Project.objects.get_or_create(name="Launch")[0]
        clip = Clip.objects.create(project=project, variant_index=index, status=ClipStatus.FINAL, final_duration=1.0)
        with video.open("rb") as handle:
            clip.final_file.save(f"{profile.pk}/clips/{clip.pk}/final.mp4", handle, save=True)
    return clip


def _run(job_id: str, profile: Any) -> Job:
    run_job(job_id, profile_id=str(profile.pk))
    return Job.all_objects.get(pk=job_id)


def _posts(state: PostizState, key: str) -> list[Any]:
    return list(state.org(key).posts.values())


def test_publish_now_to_two_integrations_in_one_request_then_sync(
    cast: Any, connected: Running, tmp_path: Path
) -> None:
    client = api_client_for(cast.alice)
    clip = _final_clip(cast.store_a, tmp_path)
    integrations = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    response = client.post(f"{PUB}publications/", {
        "clip": str(clip.pk), "integration_ids": [integrations["instagram"], integrations["tiktok"]],
        "caption": "Spring is here", "type": "now",
    }, format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    job = _run(response.json()["id"], cast.store_a)
    assert job.status == JobStatus.SUCCEEDED, job.error
    state = connected.state
    creates = state.calls_to("POST", "/posts")
    assert len(creates) == 1 and len(creates[0].body["posts"]) == 2
    assert creates[0].body["date"] and creates[0].body["type"] == "now"
    rows = list(Publication.all_objects.filter(clip=clip))
    assert {r.status for r in rows} == {PublicationStatus.SUBMITTED}
    assert {r.postiz_post_id for r in rows} == {p.id for p in _posts(state, KEY_A)}
    tiktok = next(r for r in rows if r.integration_identifier == "tiktok")
    assert tiktok.settings["privacy_level"] == "PUBLIC_TO_EVERYONE" and tiktok.settings["duet"] is False
    state.publish(rows[0].group, "https://social.example/p/1")
    assert client.post(f"{PUB}sync/").json() == {"checked": 2, "published": 2, "failed": 0}
    assert {r.release_url for r in Publication.all_objects.filter(clip=clip)} == {"https://social.example/p/1"}
    assert Publication.all_objects.filter(status=PublicationStatus.PUBLISHED).count() == 2


def test_bulk_schedules_every_interval_and_paces_under_the_limit(
    cast: Any, connected: Running, tmp_path: Path, settings: Any
) -> None:
    settings.POSTIZ_RATE_WINDOW_SECONDS = 2.0  # "an hour", shrunk for the test
    connected.state.rate_window = 2.0
    connected.state.set_rate_limit(2, retry_after=1)  # Postiz allows 2 per "hour"; we think 30
    client = api_client_for(cast.alice)
    clips = [_final_clip(cast.store_a, tmp_path, i) for i in range(1, 4)]
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    start = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    response = client.post(f"{PUB}bulk/", {
        "clips": [str(c.pk) for c in clips], "integration_ids": [ids["youtube"], ids["x"]], "caption": "Teaser",
        "start_at": start.isoformat(), "interval_minutes": 30,
    }, format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    job, waits = _run_through_waits(response.json()["id"], cast.store_a)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert waits  # the 429 gave the worker back: the job was rescheduled, not put to sleep
    posts = _posts(connected.state, KEY_A)
    assert len(posts) == 6  # every post created once, despite the 429
    by_group = sorted({(p.publish_date, p.group) for p in posts})
    assert [d for d, _ in by_group] == [start + timedelta(minutes=30 * i) for i in range(3)]
    assert len(connected.state.calls_to("POST", "/posts")) > 3  # some were refused (429) and retried
    for row in Publication.all_objects.filter(clip__in=clips):
        assert row.scheduled_at == start + timedelta(minutes=30 * (row.clip.variant_index - 1))
        assert row.status == PublicationStatus.SUBMITTED


def _run_through_waits(job_id: str, profile: Any, rounds: int = 10) -> tuple[Job, list[datetime]]:
    """Run a job as the workers would, through its reschedules: each time it hands its worker
    back to wait for a Postiz slot, a one-off q2 schedule will send it at the slot, and a run
    before then does nothing. (The fake Postiz counts in real seconds: wait them out.)"""
    waits = []
    for _ in range(rounds):
        outcome = run_job(job_id, profile_id=str(profile.pk))
        job = Job.all_objects.get(pk=job_id)
        if not outcome.startswith("rescheduled"):
            return job, waits
        assert job.status == JobStatus.QUEUED and job.run_after is not None
        _assert_sent_at(job)
        assert run_job(job_id, profile_id=str(profile.pk)) == "skipped: not due yet"
        waits.append(job.run_after)
        time.sleep(max(0.0, (job.run_after - timezone.now()).total_seconds()))
    raise AssertionError(f"still waiting after {rounds} rounds")


def _assert_sent_at(job: Job) -> None:
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name=f"editai: send job {job.pk}")
    assert (schedule.func, schedule.schedule_type, schedule.next_run) == (
        "library.tasks.send_job", Schedule.ONCE, job.run_after
    )  # fmt: skip


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"a worker slept {seconds} s for a Postiz slot")


def _no_naps(ctx: Any) -> Any:
    return _no_sleep


def _slot_comes(job: Job) -> None:
    """An hour passes for the pacing: the logged calls leave the window, and the job is due."""
    PostizCall.all_objects.update(created_at=F("created_at") - timedelta(hours=2))
    Job.all_objects.filter(pk=job.pk).update(run_after=timezone.now())


def test_our_own_budget_paces_jobs_before_postiz_says_no_without_holding_a_worker(
    cast: Any, connected: Running, tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    settings.POSTIZ_POSTS_PER_HOUR = 1  # in the stock hour
    client = api_client_for(cast.alice)
    clips = [_final_clip(cast.store_a, tmp_path, i) for i in range(1, 3)]
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    response = client.post(f"{PUB}bulk/", {"clips": [str(c.pk) for c in clips], "integration_ids": [ids["threads"]],
                                          "start_at": "2030-01-01T09:00:00Z", "interval_minutes": 60}, format="json")  # fmt: skip
    job_id = response.json()["id"]

    monkeypatch.setattr(time, "sleep", _no_sleep)
    monkeypatch.setattr("publishing.services.submit.ctx_sleep", _no_naps)
    outcome = run_job(job_id, profile_id=str(cast.store_a.pk))
    assert outcome.startswith("rescheduled: the profile's 1 posts per hour are used up")
    job = Job.all_objects.get(pk=job_id)
    first_call = PostizCall.all_objects.get().created_at
    assert job.status == JobStatus.QUEUED and job.run_after > first_call + timedelta(minutes=59)
    _assert_sent_at(job)
    shown = client.get(f"/api/v1/jobs/{job_id}/").json()
    assert (shown["status"], shown["run_after"]) == ("queued", job.run_after.isoformat().replace("+00:00", "Z"))
    assert len(_posts(connected.state, KEY_A)) == 1  # the first group went; its post id is kept
    assert run_job(job_id, profile_id=str(cast.store_a.pk)) == "skipped: not due yet"
    _slot_comes(job)
    assert send_job(job_id) == "sent"  # what the schedule runs at the slot
    assert run_job(job_id, profile_id=str(cast.store_a.pk)) == "succeeded"
    assert len(connected.state.calls_to("POST", "/posts")) == 2  # none refused, none twice
    assert len(_posts(connected.state, KEY_A)) == 2
    # A wait is not a failure: the allowance of attempts grew with it.
    assert (Job.all_objects.get(pk=job_id).attempts, job.max_attempts) == (2, 4)


def test_a_crash_between_create_and_save_still_makes_one_post(cast: Any, connected: Running, tmp_path: Path) -> None:
    client = api_client_for(cast.alice)
    clip = _final_clip(cast.store_a, tmp_path)
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    with profile_scope(Profile.objects.get(pk=cast.store_a.pk)):
        from publishing.services.publications import publication_create

        job = publication_create(clip=clip, integration_ids=[ids["instagram"], ids["threads"]], caption="Once")
    connected.state.hang_after_create = 30.0
    with qcluster(tmp_path, "first") as worker:
        job_send(job_id=str(job.pk), profile_id=str(cast.store_a.pk), kind=job.kind)
        wait_for(lambda: len(_posts(connected.state, KEY_A)) == 2, timeout=30, what="the posts to exist in Postiz")
        worker.kill()  # Postiz has the posts; our worker never heard back
    connected.state.hang_after_create = 0.0
    assert Publication.all_objects.filter(clip=clip, postiz_post_id="").count() == 2
    time.sleep(1.0)
    assert jobs_requeue_stale(stale_after=0.8).requeued == [str(job.pk)]
    with qcluster(tmp_path, "second"):
        wait_for(lambda: Job.all_objects.get(pk=job.pk).is_finished, timeout=60, what="the retried job")
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2), job.error
    assert len(_posts(connected.state, KEY_A)) == 2
    assert len(connected.state.calls_to("POST", "/posts")) == 1
    assert {p.postiz_post_id for p in Publication.all_objects.filter(clip=clip)} == {
        p.id for p in _posts(connected.state, KEY_A)
    }


def test_each_profile_uses_its_own_key_and_no_log_holds_one(
    cast: Any, connected: Running, tmp_path: Path, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    for user, profile, key in ((cast.alice, cast.store_a, KEY_A), (cast.bob, cast.bob_store, KEY_B)):
        client = api_client_for(user)
        clip = _final_clip(profile, tmp_path, 1 if key == KEY_A else 2)
        ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
        job_id = client.post(f"{PUB}publications/", {"clip": str(clip.pk), "integration_ids": [ids["x"]],
                                                    "caption": key[:6]}, format="json").json()["id"]  # fmt: skip
        assert _run(job_id, profile).status == JobStatus.SUCCEEDED
    a_groups = set(Publication.all_objects.filter(profile=cast.store_a).values_list("group", flat=True))
    for call in connected.state.calls:
        if call.method == "POST" and call.path.endswith("/posts"):
            expected = KEY_A if call.body["posts"][0]["group"] in a_groups else KEY_B
            assert call.key == expected
    assert {c.key for c in connected.state.calls} == {KEY_A, KEY_B}
    assert KEY_A not in caplog.text and KEY_B not in caplog.text
    assert len(_posts(connected.state, KEY_A)) == len(_posts(connected.state, KEY_B)) == 1


def test_pinterest_without_a_board_is_refused_before_anything_is_sent(
    cast: Any, connected: Running, tmp_path: Path
) -> None:
    client = api_client_for(cast.alice)
    clip = _final_clip(cast.store_a, tmp_path)
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    before = len(connected.state.calls)
    response = client.post(f"{PUB}publications/", {"clip": str(clip.pk), "integration_ids": [ids["pinterest"]]},
                           format="json")  # fmt: skip
    assert response.status_code == 400
    assert "board" in str(response.json())
    assert len(connected.state.calls) == before
    assert not Publication.all_objects.exists() and not Job.all_objects.filter(kind="publish").exists()
    ok = client.post(f"{PUB}publications/", {"clip": str(clip.pk), "integration_ids": [ids["pinterest"]],
                                            "settings": {"pinterest": {"board": "spring"}}}, format="json")  # fmt: skip
    assert ok.status_code == 202


def test_a_rejected_key_fails_the_job_and_shows_on_the_profile(cast: Any, connected: Running, tmp_path: Path) -> None:
    client = api_client_for(cast.alice)
    clip = _final_clip(cast.store_a, tmp_path)
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    job_id = client.post(f"{PUB}publications/", {"clip": str(clip.pk), "integration_ids": [ids["threads"]]},
                         format="json").json()["id"]  # fmt: skip
    connected.state.orgs.pop(KEY_A)  # the key was revoked in Postiz
    job = _run(job_id, cast.store_a)
    assert job.status == JobStatus.FAILED and job.error == "Postiz key rejected"
    assert client.get(f"/api/v1/profiles/{cast.store_a.pk}/").json()["postiz_error"] == "Postiz key rejected"
    assert set(Publication.all_objects.values_list("status", flat=True)) == {PublicationStatus.FAILED}
    status = client.get(f"{PUB}status/").json()
    assert status["key_accepted"] is False and status["error"] == "Postiz key rejected"


def test_cancel_deletes_the_group_in_postiz(cast: Any, connected: Running, tmp_path: Path) -> None:
    client = api_client_for(cast.alice)
    clip = _final_clip(cast.store_a, tmp_path)
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    job_id = client.post(f"{PUB}publications/", {"clip": str(clip.pk), "integration_ids": [ids["x"], ids["threads"]],
                                                "type": "draft"}, format="json").json()["id"]  # fmt: skip
    _run(job_id, cast.store_a)
    assert len(_posts(connected.state, KEY_A)) == 2
    first = Publication.all_objects.filter(clip=clip).first()
    assert api_client_for(cast.bob).delete(f"{PUB}publications/{first.pk}/").status_code == 404
    assert client.delete(f"{PUB}publications/{first.pk}/").status_code == 204
    assert _posts(connected.state, KEY_A) == []
    assert set(Publication.all_objects.values_list("status", flat=True)) == {PublicationStatus.CANCELLED}


def test_bad_requests_are_4xx(cast: Any, connected: Running, tmp_path: Path) -> None:
    client = api_client_for(cast.alice)
    clip = _final_clip(cast.store_a, tmp_path)
    raw = _final_clip(cast.store_a, tmp_path, 2)
    Clip.all_objects.filter(pk=raw.pk).update(status=ClipStatus.RAW)
    ids = {i["identifier"]: i["id"] for i in client.get(f"{PUB}integrations/").json()}
    cases = [
        {"clip": str(clip.pk), "integration_ids": ["nope"]},
        {"clip": str(clip.pk), "integration_ids": []},
        {"clip": str(raw.pk), "integration_ids": [ids["x"]]},
        {"clip": str(clip.pk), "integration_ids": [ids["x"]], "type": "schedule"},
        {
            "clip": str(clip.pk),
            "integration_ids": [ids["x"]],
            "type": "schedule",
            "scheduled_at": "2001-01-01T00:00:00Z",
        },
        {
            "clip": str(clip.pk),
            "integration_ids": [ids["tiktok"]],
            "settings": {"tiktok": {"privacy_level": "EVERYONE"}},
        },
    ]
    for body in cases:
        assert client.post(f"{PUB}publications/", body, format="json").status_code == 400, body
    foreign = _final_clip(cast.bob_store, tmp_path, 3)
    assert client.post(f"{PUB}publications/", {"clip": str(foreign.pk), "integration_ids": [ids["x"]]},
                       format="json").status_code == 404  # fmt: skip
    assert not Publication.all_objects.exists()
    Profile.objects.filter(pk=cast.store_b.pk).update(postiz_api_url="")
    unconfigured = api_client_for(cast.alice, cast.store_b)
    assert unconfigured.get(f"{PUB}integrations/").status_code == 400
    assert unconfigured.get(f"{PUB}status/").json()["configured"] is False
