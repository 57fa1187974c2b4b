"""`manage.py demo`: an offline one-click run that prints its steps, the final mp4 and the costs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command

from costs.models import CostEntry
from editai.demo import STORES, demo_user_ensure
from library.media.probe import probe_video
from library.models import Job, JobStatus
from profiles.models import Profile
from publishing.models import Publication, PublicationStatus
from tests.conftest import PASSWORD
from tests.fakes.postiz import KEY_A, PostizHandler, default_state
from tests.fakes.server import Running, running
from tests.media import make_video

pytestmark = pytest.mark.django_db(transaction=True)
QUICK = ["--password", PASSWORD, "--target-duration", "3", "--script", "Hello from the demo."]


@pytest.fixture
def fake() -> Iterator[Running]:
    cache.clear()
    with running(PostizHandler, default_state()) as server:
        yield server


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def _final_paths(output: str) -> list[Path]:
    return [Path(p) for p in re.findall(r"final mp4: (\S+\.mp4)", output)]


def test_the_demo_renders_a_playable_clip_and_prints_its_steps_path_and_costs(tmp_path: Path) -> None:
    video = make_video(tmp_path / "footage.mp4", seconds=4, size="320x240")
    output = _demo("--video", str(video), *QUICK)

    for n, title in enumerate(["demo user and two stores", "sample footage", "upload", "one click"], start=1):
        assert re.search(rf"^\[{n}/4\] {title}", output, re.MULTILINE), output
    assert len(re.findall(r"^    done in \d+\.\d\d s$", output, re.MULTILINE)) == 4
    [final] = _final_paths(output)
    assert final.is_absolute() and final.is_file()
    info = probe_video(final)
    assert (info.video.width, info.video.height) == (1080, 1920) and info.has_audio
    job = Job.all_objects.get(kind="one-click")
    assert job.status == JobStatus.SUCCEEDED
    ledger = CostEntry.all_objects.filter(job_id=job.pk)
    assert {e.provider for e in ledger} == {"local", "espeak"}  # offline: local analysis, espeak voice
    assert "    total: $0.000000 USD" in output
    assert re.search(r"^    espeak tts \(espeak-ng\): \$0\.000000 USD, 1 entry$", output, re.MULTILINE)
    assert output.rstrip().splitlines()[-1].startswith("demo finished in ")


def test_the_demo_makes_footage_and_publishes_to_a_postiz(fake: Running) -> None:
    output = _demo("--seconds", "3", "--postiz-url", fake.url, "--postiz-key", KEY_A, *QUICK)

    assert "generated 3 s of a 1280x720 test card" in output
    assert "[5/5] publish to Postiz (draft)" in output
    [final] = _final_paths(output)
    assert final.is_file()
    publications = Publication.all_objects.all()
    assert publications and {p.status for p in publications} == {PublicationStatus.SUBMITTED}
    posts = list(fake.state.org(KEY_A).posts.values())
    assert len(posts) == publications.count() and {p.state for p in posts} == {"DRAFT"}
    store = Profile.objects.get(user__username="demo", name=STORES[0])
    assert store.postiz_api_key == KEY_A and store.postiz_api_url == fake.url
    assert "skipped Org a pinterest: needs settings" in output  # a board is required


def test_the_demo_user_and_stores_are_reused() -> None:
    first = demo_user_ensure(username="demo", password=PASSWORD)
    second = demo_user_ensure(username="demo", password=None)
    assert first.user.pk == second.user.pk and second.password is None
    assert [p.pk for p in first.stores] == [p.pk for p in second.stores]
    assert Profile.objects.filter(user=first.user).count() == 2
    assert [p.name for p in second.stores] == list(STORES) and second.stores[0].is_default
    assert {p.tts_provider for p in second.stores} == {"espeak"}
    assert get_user_model().objects.get(username="demo").check_password(PASSWORD)


def test_bad_options_are_command_errors(tmp_path: Path, fake: Running) -> None:
    for args, message in (
        (["--video", str(tmp_path / "missing.mp4")], "no such file"),
        (["--postiz-url", fake.url], "--postiz-key is required"),
        (["--seconds", "0.5"], "--seconds"),
    ):
        with pytest.raises(CommandError, match=message):
            _demo(*args, *QUICK)
    not_a_video = tmp_path / "notes.mp4"
    not_a_video.write_text("hello")
    with pytest.raises(CommandError, match="demo failed"):
        _demo("--video", str(not_a_video), *QUICK)
    assert not Job.all_objects.exists()
