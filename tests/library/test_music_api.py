"""/api/v1/library/music/: the profile's music beds (upload, list, stream, rename, delete), and
`music: {track, volume_db}` on clip content and one-click, down to a rendered final."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from library.models import Clip, MusicTrack
from library.services.prune import media_prune
from profiles.tenancy import profile_scope
from tests import factories as f
from tests.conftest import api_client_for
from tests.jobs import reload, run
from tests.library.helpers import media_files, temp_entries
from tests.library.test_music_render import PARTIAL, band_db, loudness, make_music, samples
from tests.media import make_video

MUSIC = "/api/v1/library/music/"
CLIPS = "/api/v1/library/clips/"


def post_file(client: Any, path: Path, **fields: Any) -> Any:
    with path.open("rb") as handle:
        return client.post(MUSIC, {"file": handle, **fields}, format="multipart")


@pytest.fixture(scope="module")
def chord(tmp_path_factory: Any) -> Path:
    return make_music(tmp_path_factory.mktemp("music") / "Summer chord.mp3")


@pytest.fixture
def track(cast: Any, alice_client: Any, chord: Path) -> dict:
    response = post_file(alice_client, chord)
    assert response.status_code == 201, response.content
    return response.json()


def test_it_takes_an_mp3_probes_it_and_stores_it_under_a_generated_name(cast: Any, track: dict) -> None:
    assert track["name"] == "Summer chord" and track["original_name"] == "Summer chord.mp3"
    assert track["duration"] == pytest.approx(3.0, abs=0.1)
    assert (track["codec"], track["channels"], track["sample_rate"]) == ("mp3", 1, 44100)
    stored = media_files(cast.store_a)
    assert [p.name for p in stored] == [f"{track['id']}.mp3"] and stored[0].parent.name == "music"
    assert temp_entries(cast.store_a) == []


@pytest.mark.parametrize("suffix", ["wav", "ogg", "m4a"])
def test_it_takes_wav_ogg_and_m4a(cast: Any, alice_client: Any, tmp_path: Path, chord: Path, suffix: str) -> None:
    path = tmp_path / f"bed.{suffix}"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(chord), "-t", "1.5", str(path)], check=True, timeout=30)
    response = post_file(alice_client, path)
    assert response.status_code == 201, response.content
    assert MusicTrack.all_objects.get(pk=response.json()["id"]).file.name.endswith(f".{suffix}")


def test_it_refuses_what_is_not_a_track_with_a_400(cast: Any, alice_client: Any, tmp_path: Path) -> None:
    text = tmp_path / "song.mp3"
    text.write_text("la la la, not a song\n" * 50)
    silent_video = make_video(tmp_path / "silent.mp4", seconds=2, audio=False)
    video = make_video(tmp_path / "with-sound.mp4", seconds=2)
    short = tmp_path / "blip.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=0.4", str(short)], check=True, timeout=30)
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    for path, reason in [(text, "not an audio file"), (silent_video, "no sound"), (video, "is a video"),
                         (short, "less than 1 s"), (empty, "empty")]:  # fmt: skip
        response = post_file(alice_client, path)
        assert response.status_code == 400, (path.name, response.content)
        assert reason in response.json()["file"][0], response.json()
    assert not MusicTrack.all_objects.exists()
    assert media_files(cast.store_a) == [] and temp_entries(cast.store_a) == []


def test_it_refuses_tracks_over_the_limits(cast: Any, alice_client: Any, chord: Path, settings: Any) -> None:
    settings.MUSIC_MAX_SECONDS = 2.0
    assert "more than the 2 s" in post_file(alice_client, chord).json()["file"][0]
    settings.MUSIC_MAX_SECONDS, settings.MUSIC_MAX_BYTES = 900.0, 1000
    response = post_file(alice_client, chord)
    assert response.status_code == 413 and "1000 bytes" in response.json()["detail"]
    assert not MusicTrack.all_objects.exists() and media_files(cast.store_a) == []


def test_it_lists_streams_renames_and_deletes(
    cast: Any, alice_client: Any, track: dict, chord: Path, django_capture_on_commit_callbacks: Any
) -> None:
    assert [t["id"] for t in alice_client.get(MUSIC).json()["results"]] == [track["id"]]
    whole = chord.read_bytes()
    full = alice_client.get(track["stream_url"])
    assert full.status_code == 200 and full["Content-Type"] == "audio/mpeg"
    assert b"".join(full.streaming_content) == whole
    part = alice_client.get(track["stream_url"], HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and b"".join(part.streaming_content) == whole[10:20]
    url = f"{MUSIC}{track['id']}/"
    assert alice_client.patch(url, {"name": "Beach"}, format="json").json()["name"] == "Beach"
    assert alice_client.patch(url, {"name": ""}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.delete(url).status_code == 204
    assert media_files(cast.store_a) == [] and alice_client.get(url).status_code == 404


def test_it_checks_ownership(cast: Any, track: dict) -> None:
    for client in (api_client_for(cast.alice, cast.store_b), api_client_for(cast.bob)):
        url = f"{MUSIC}{track['id']}/"
        for get in (url, track["stream_url"]):
            assert client.get(get).status_code == 404
        assert client.patch(url, {"name": "x"}, format="json").status_code == 404
        assert client.delete(url).status_code == 404
        assert client.get(MUSIC).json()["count"] == 0
    assert MusicTrack.all_objects.filter(pk=track["id"]).exists()


def test_clip_content_takes_a_track_of_the_profile_only(cast: Any, alice_client: Any, track: dict) -> None:
    clip = f.ClipFactory(profile=cast.store_a)
    url = f"{CLIPS}{clip.pk}/content/"
    body = alice_client.patch(url, {"music": {"track": track["id"]}}, format="json").json()
    assert body["music"] == {"track": track["id"], "volume_db": -18.0}
    assert alice_client.patch(url, {"music": {"track": track["id"], "volume_db": 3}}, format="json").status_code == 400
    foreign = f.MusicTrackFactory(profile=cast.store_b)
    assert alice_client.patch(url, {"music": {"track": str(foreign.pk)}}, format="json").status_code == 404
    assert alice_client.patch(url, {"music": {"track": "nope"}}, format="json").status_code == 404
    assert Clip.all_objects.get(pk=clip.pk).music_track_id is not None
    assert alice_client.patch(url, {"music": None}, format="json").json()["music"] is None


def test_one_click_refuses_another_profiles_track(cast: Any, alice_client: Any) -> None:
    video = f.SourceVideoFactory(profile=cast.store_a)
    foreign = f.MusicTrackFactory(profile=cast.store_b)
    body = {"source_video": str(video.pk), "variant_count": 1, "music": {"track": str(foreign.pk)}}
    assert alice_client.post("/api/v1/library/one-click/", body, format="json").status_code == 404


@pytest.mark.django_db(transaction=True)  # the job's monitor thread reads the job on its own connection
def test_a_rendered_clip_carries_its_bed_on_the_loudness_target(
    cast: Any, alice_client: Any, track: dict, tmp_path: Path, settings: Any
) -> None:
    """Through the API and the render job: the bed under the espeak voice (12 kHz partial
    present), the loudness on the preset's target, what was measured in render_info."""
    settings.ELEVENLABS_API_KEY = ""
    f.ExportPresetFactory(profile=cast.store_a, name="small", width=270, height=480, fps=15, loudness=-16.0)
    video = f.SourceVideoFactory(profile=cast.store_a, stored=True, duration=1.0)
    clip = f.ClipFactory(profile=cast.store_a, cut_list=[{"source_video": str(video.pk), "start": 0.0, "end": 1.0}])
    content = {"script_text": "Fresh shoes for a sunny summer.", "music": {"track": track["id"], "volume_db": -12}}
    assert alice_client.patch(f"{CLIPS}{clip.pk}/content/", content, format="json").status_code == 200
    job = alice_client.post(f"{CLIPS}{clip.pk}/render/", {"preset": "small"}, format="json").json()
    assert run(job["id"]) == "succeeded", reload(job["id"]).error
    clip = Clip.all_objects.get(pk=clip.pk)
    sound = clip.render_info["sound"]
    assert sound["music"] == {"track": track["id"], "name": "Summer chord", "volume_db": -12.0}
    assert abs(sound["limited"]["integrated"] - -16.0) <= 0.15
    final = tmp_path / "final.mp4"
    final.write_bytes(clip.final_file.read())
    integrated, peak = loudness(final)
    assert abs(integrated - -16.0) <= 0.5 and peak <= -1.0, (integrated, peak, sound)
    x = samples(final)
    assert band_db(x, 0.3, 1.2) > band_db(x, 0.3, 1.2, freq=PARTIAL + 400) + 15  # the bed, under the voice
    with profile_scope(cast.store_a):
        MusicTrack.objects.get(pk=track["id"]).delete()
    assert Clip.all_objects.get(pk=clip.pk).music_track_id is None  # the clip keeps going, without its bed


def test_prune_media_keeps_the_librarys_tracks(cast: Any, track: dict) -> None:
    report = media_prune(profile_id=cast.store_a.pk, older_than=timedelta(0))
    assert report.removed == [] and len(media_files(cast.store_a)) == 1


def test_one_click_gives_every_variant_the_bed(cast: Any, alice_client: Any, track: dict) -> None:
    from editai.oneclick.services import _variants_create
    from library.selection import Cut

    video = f.SourceVideoFactory(profile=cast.store_a)
    body = {"source_video": str(video.pk), "variant_count": 2, "music": {"track": track["id"], "volume_db": -20}}
    response = alice_client.post("/api/v1/library/one-click/", body, format="json")
    assert response.status_code == 202, response.content
    job = reload(response.json()["id"])
    assert job.params["music"] == {"track": track["id"], "volume_db": -20.0}
    plans = [[Cut(str(video.pk), 0.0, 2.0)], [Cut(str(video.pk), 2.0, 4.0)]]
    with profile_scope(cast.store_a):
        clips = _variants_create(project=job.project, plans=plans, params=job.params, analysis_id="a")
    assert [(str(c.music_track_id), c.music_volume_db) for c in clips] == [(track["id"], -20.0)] * 2
