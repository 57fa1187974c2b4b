"""Transcripts through the API and the job engine: auto-transcription of uploads, the transcript
and its subtitles, corrections, refusals, cancel/retry, and ElevenLabs against its fake."""

from __future__ import annotations

import math
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costs.models import BudgetReservation, CostEntry
from library.models import Job, JobOrigin, JobStatus, SourceVideo, Transcript
from library.providers.stt import local as local_stt
from profiles.models import Profile
from tests.conftest import api_client_for
from tests.fakes.elevenlabs import KEY, ElevenLabsHandler, ElevenLabsState
from tests.fakes.server import running
from tests.jobs import reload, run
from tests.library.helpers import VIDEOS, temp_entries, upload
from tests.media import make_video
from tests.speech_media import SENTENCES, music_video, speech_video, word_error_rate

pytestmark = pytest.mark.django_db(transaction=True)
CLIP = {"voice": "en-gb", "speed": 140}


def _upload(client: Any, path: Path) -> str:
    response = upload(client, path)
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def _transcribe(client: Any, video_id: str, **body: Any) -> Any:
    return client.post(f"{VIDEOS}{video_id}/transcribe/", body, format="json")


def _run_transcribe(client: Any, video_id: str, **body: Any) -> Job:
    response = _transcribe(client, video_id, **body)
    assert response.status_code == 202, response.content
    run(response.json()["id"])
    return reload(response.json()["id"])


def test_an_upload_with_sound_is_transcribed_by_a_job_that_can_be_cancelled_and_retried(
    cast: Any, alice_client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AUTO_TRANSCRIBE = True
    clip = speech_video(**CLIP, sentences=SENTENCES[:2])
    video_id = _upload(alice_client, clip.path)
    assert alice_client.get(f"{VIDEOS}{video_id}/transcript/").status_code == 404  # none until the job ran
    [job] = Job.all_objects.filter(source_video_id=video_id)
    assert (job.kind, job.origin, job.params["provider"]) == ("transcribe", JobOrigin.SYSTEM, "local")

    # Cancelled by the client while Whisper decodes: stopped, nothing stored, workspace gone.
    original = local_stt.LocalSTTProvider.transcribe
    seen: list[float] = []

    def cancelled_midway(self: Any, **kwargs: Any) -> Any:
        report = kwargs["progress"]

        def progress(fraction: float) -> None:
            if not seen:  # the first segment is decoded: the client sees progress, then cancels
                assert reload(job).progress >= 15  # the audio is out (0-15 %), Whisper runs (15-95 %)
                assert alice_client.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 200
                time.sleep(1.2)  # the runner's monitor looks every 0.5 s
            seen.append(fraction)
            report(fraction)

        return original(self, **{**kwargs, "progress": progress})

    monkeypatch.setattr(local_stt.LocalSTTProvider, "transcribe", cancelled_midway)
    run(job)
    assert reload(job).status == JobStatus.CANCELLED and len(seen) == 1
    assert not Transcript.all_objects.exists() and temp_entries(cast.store_a) == []

    monkeypatch.setattr(local_stt.LocalSTTProvider, "transcribe", original)
    assert alice_client.post(f"/api/v1/jobs/{job.pk}/retry/").status_code == 202
    assert run(job) == "succeeded"
    job = reload(job)
    assert (job.status, job.progress) == (JobStatus.SUCCEEDED, 100)
    assert job.result["reliable"] is True and job.result["sentences"] == 2
    assert temp_entries(cast.store_a) == []  # the workspace is gone

    body = alice_client.get(f"{VIDEOS}{video_id}/transcript/").json()
    assert (body["provider"], body["model"], body["language"], body["reliable"]) == ("local", "tiny.en", "en", True)
    assert word_error_rate(clip.text, body["text"]) <= 0.15
    for found, known in zip(body["sentences"], clip.sentences, strict=True):
        assert abs(found["start"] - known.start) < 0.35 and abs(found["end"] - known.end) < 0.35
    assert set(body["words"][0]) == {"text", "start", "end", "probability"}
    assert body["mean_probability"] >= settings.TRANSCRIPT_MIN_PROBABILITY


def test_uploads_without_sound_or_with_the_setting_off_start_nothing(
    cast: Any, alice_client: Any, settings: Any, tmp_path: Path
) -> None:
    settings.AUTO_TRANSCRIBE = True
    silent = _upload(alice_client, make_video(tmp_path / "silent.mp4", seconds=1, audio=False))
    settings.AUTO_TRANSCRIBE = False
    _upload(alice_client, make_video(tmp_path / "tone.mp4", seconds=1))
    assert not Job.all_objects.exists()
    response = _transcribe(alice_client, silent)
    assert response.status_code == 400 and "no audio track" in response.content.decode()


def test_music_gives_an_empty_unreliable_transcript(cast: Any, alice_client: Any) -> None:
    video_id = _upload(alice_client, music_video())
    job = _run_transcribe(alice_client, video_id, context_text="Zenbrew travel mug")
    assert job.status == JobStatus.SUCCEEDED, job.error
    body = alice_client.get(f"{VIDEOS}{video_id}/transcript/").json()
    assert (body["words"], body["sentences"], body["text"]) == ([], [], "")
    assert (body["reliable"], body["mean_probability"]) == (False, None)
    assert alice_client.get(f"{VIDEOS}{video_id}/transcript/?as=srt").content == b""


def _video_with_transcript(cast: Any, **fields: Any) -> Transcript:
    from profiles.tenancy import profile_scope
    from tests.factories import TranscriptFactory

    with profile_scope(cast.store_a):
        transcript: Transcript = TranscriptFactory(profile=cast.store_a, **fields)
    return transcript


def test_subtitles_as_srt_and_vtt(cast: Any, alice_client: Any) -> None:
    transcript = _video_with_transcript(cast)
    url = f"{VIDEOS}{transcript.source_video_id}/transcript/"
    srt = alice_client.get(url, {"as": "srt"})
    assert srt.status_code == 200 and srt["Content-Type"].startswith("application/x-subrip")
    first_word = transcript.words[0]
    assert srt.content.decode().startswith("1\n00:00:0")
    assert first_word["text"] in srt.content.decode()
    vtt = alice_client.get(url, {"as": "vtt"})
    assert vtt.status_code == 200 and vtt["Content-Type"].startswith("text/vtt")
    assert vtt.content.decode().startswith("WEBVTT") and " --> " in vtt.content.decode()
    for bad in ("txt", "format", ""):
        response = alice_client.get(url, {"as": bad})
        assert response.status_code == 400 and "as" in response.json()


def test_corrections_rebuild_the_text_and_sentences(cast: Any, alice_client: Any) -> None:
    transcript = _video_with_transcript(cast)
    url = f"{VIDEOS}{transcript.source_video_id}/transcript/"
    before = alice_client.get(url).json()
    last = len(before["words"]) - 1
    response = alice_client.patch(
        url, {"words": [{"index": 1, "text": "Lumo"}, {"index": last, "text": "dollars!"}]}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["words"][1]["text"] == "Lumo" and body["words"][1]["probability"] == 1.0
    assert body["words"][1]["start"] == before["words"][1]["start"]
    assert "Lumo" in body["text"] and body["sentences"][-1]["text"].endswith("dollars!")
    assert body["corrected_at"] is not None
    # An empty text removes a word (an invented one).
    body = alice_client.patch(url, {"words": [{"index": 0, "text": ""}]}, format="json").json()
    assert len(body["words"]) == len(before["words"]) - 1
    for bad in (
        {"words": [{"index": 99, "text": "x"}]},
        {"words": [{"index": -1, "text": "x"}]},
        {"words": [{"index": 0, "text": "x"}, {"index": 0, "text": "y"}]},
        {"words": []},
        {"words": [{"index": "one", "text": "x"}]},
        {"words": [{"index": 0, "text": "x" * 101}]},
        {"words": "Lumo"},
        {},
    ):
        response = alice_client.patch(url, bad, format="json")
        assert response.status_code == 400, (bad, response.status_code, response.content)


def test_a_correction_applies_to_the_transcript_as_stored_not_as_read(cast: Any) -> None:
    """Review finding 6: the view reads the transcript before any lock; a correction that lands
    after another correction or a new transcription applies to the words stored now (the
    indexes refer to them), and one whose index no longer fits is a 400, never a stale write."""
    from library.services.transcripts import transcript_correct
    from profiles.errors import Invalid
    from profiles.tenancy import profile_scope

    transcript = _video_with_transcript(cast)
    with profile_scope(cast.store_a):
        stale = Transcript.objects.get(pk=transcript.pk)
        transcript_correct(transcript=Transcript.objects.get(pk=transcript.pk), words=[{"index": 0, "text": "Hi"}])
        saved = transcript_correct(transcript=stale, words=[{"index": 1, "text": "Lumo"}])
        assert [w["text"] for w in saved.words[:2]] == ["Hi", "Lumo"]  # the first correction is kept
        fresh = [{"text": t, "start": i * 0.5, "end": i * 0.5 + 0.4, "probability": 0.9} for i, t in enumerate("ab")]
        Transcript.objects.filter(pk=transcript.pk).update(words=fresh)  # transcribed again meanwhile
        saved = transcript_correct(transcript=stale, words=[{"index": 1, "text": "B."}])
        assert [w["text"] for w in saved.words] == ["a", "B."] and saved.text == "a B."
        with pytest.raises(Invalid):
            transcript_correct(transcript=stale, words=[{"index": 2, "text": "c"}])
    assert [w["text"] for w in reload_transcript(transcript).words] == ["a", "B."]


def reload_transcript(transcript: Transcript) -> Transcript:
    return Transcript.all_objects.get(pk=transcript.pk)


def test_routes_before_a_transcript_and_of_another_profile_are_404(cast: Any, alice_client: Any) -> None:
    transcript = _video_with_transcript(cast)
    from profiles.tenancy import profile_scope
    from tests.factories import SourceVideoFactory

    with profile_scope(cast.store_a):
        bare = SourceVideoFactory(profile=cast.store_a, has_audio=True)
    assert alice_client.get(f"{VIDEOS}{bare.pk}/transcript/").status_code == 404
    assert alice_client.patch(f"{VIDEOS}{bare.pk}/transcript/", {"words": []}, format="json").status_code == 404
    for stranger in (api_client_for(cast.alice, cast.store_b), api_client_for(cast.bob)):
        url = f"{VIDEOS}{transcript.source_video_id}/"
        assert stranger.get(f"{url}transcript/").status_code == 404
        assert stranger.get(f"{url}transcript/?as=srt").status_code == 404
        assert (
            stranger.patch(f"{url}transcript/", {"words": [{"index": 0, "text": "x"}]}, format="json").status_code
            == 404
        )
        assert stranger.post(f"{url}transcribe/", {}, format="json").status_code == 404
    assert not Job.all_objects.exists()
    assert Transcript.all_objects.get().text == transcript.text


def test_bad_transcribe_bodies_are_400(cast: Any, alice_client: Any) -> None:
    transcript = _video_with_transcript(cast)
    SourceVideo.all_objects.filter(pk=transcript.source_video_id).update(has_audio=True)
    url = f"{VIDEOS}{transcript.source_video_id}/transcribe/"
    german = alice_client.post(url, {"language": "de"}, format="json")
    assert german.status_code == 400 and "EDITAI_WHISPER_MODEL" in str(german.json()["language"])
    for body in ({"language": "xx-yy"}, {"language": "zz"}, {"provider": "oracle"}, {"provider": "elevenlabs"},
                 {"language": ["en"]}, {"context_text": "x" * 5001}):  # fmt: skip
        response = alice_client.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert not Job.all_objects.exists()


def test_transcribing_again_replaces_the_transcript(cast: Any, alice_client: Any, settings: Any) -> None:
    with running(ElevenLabsHandler, ElevenLabsState()) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        video_id = _upload(alice_client, make_video(Path(settings.TEMP_ROOT).parent / "tone.mp4", seconds=2))
        fake.state.heard = "First take."
        first = _run_transcribe(alice_client, video_id, provider="elevenlabs")
        alice_client.patch(f"{VIDEOS}{video_id}/transcript/", {"words": [{"index": 0, "text": "One"}]}, format="json")
        fake.state.heard = "Second take."
        second = _run_transcribe(alice_client, video_id, provider="elevenlabs")
    assert first.status == second.status == JobStatus.SUCCEEDED, (first.error, second.error)
    [transcript] = Transcript.all_objects.all()
    assert (transcript.text, transcript.corrected_at) == ("Second take.", None)


def test_elevenlabs_transcription_is_billed_per_audio_second(cast: Any, alice_client: Any, settings: Any) -> None:
    state = ElevenLabsState()
    state.heard = "The Zenbrew mug costs 20 dollars."
    state.untimed = {3, 4}  # "costs 20": no times from the provider
    clip = speech_video()
    with running(ElevenLabsHandler, state) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        video_id = _upload(alice_client, clip.path)
        response = _transcribe(alice_client, video_id, provider="elevenlabs", language="en")
        assert response.status_code == 202, response.content
        held = BudgetReservation.all_objects.get(job_id=response.json()["id"])
        seconds = SourceVideo.all_objects.get(pk=video_id).duration
        expected = (Decimal(str(seconds)) * Decimal("0.40") / 3600).quantize(Decimal("0.000001"))
        assert (held.operation, held.status, held.estimate_usd) == ("transcription", BudgetReservation.Status.HELD,
                                                                    expected)  # fmt: skip
        run(response.json()["id"])
    job = reload(response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    [request] = state.transcriptions
    assert (request["model_id"], request["timestamps_granularity"], request["language_code"]) == (
        "scribe_v1", "word", "en",
    )  # fmt: skip
    assert request["bytes"] > 1000 and math.isclose(request["duration"], clip.duration, abs_tol=0.1)
    assert all(call.key == KEY for call in state.calls)
    entry = CostEntry.all_objects.get(job_id=job.pk)
    assert (entry.provider, entry.model, entry.operation) == ("elevenlabs", "scribe_v1", "transcription")
    assert math.isclose(entry.units["seconds"], clip.duration, abs_tol=0.1)
    assert entry.cost_usd == (Decimal(str(entry.units["seconds"])) * Decimal("0.40") / 3600).quantize(
        Decimal("0.000001")
    )
    assert BudgetReservation.all_objects.get(job_id=job.pk).status != BudgetReservation.Status.HELD

    body = alice_client.get(f"{VIDEOS}{video_id}/transcript/").json()
    assert [w["text"] for w in body["words"]] == state.heard.split()  # "spacing" items dropped
    costs, twenty = body["words"][3], body["words"][4]
    assert body["words"][2]["end"] <= costs["start"] < costs["end"] <= twenty["start"] < twenty["end"]
    assert twenty["end"] <= body["words"][5]["start"]
    assert (body["provider"], body["model"], body["reliable"]) == ("elevenlabs", "scribe_v1", True)


def test_an_unsure_transcript_is_marked_unreliable(cast: Any, alice_client: Any, settings: Any, tmp_path: Path) -> None:
    state = ElevenLabsState()
    state.logprob = math.log(0.3)
    with running(ElevenLabsHandler, state) as fake:
        settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = KEY, fake.url
        video_id = _upload(alice_client, make_video(tmp_path / "tone.mp4", seconds=2))
        assert _run_transcribe(alice_client, video_id, provider="elevenlabs").status == JobStatus.SUCCEEDED
    body = alice_client.get(f"{VIDEOS}{video_id}/transcript/").json()
    assert body["words"] and body["reliable"] is False and body["mean_probability"] == pytest.approx(0.3, abs=0.01)


def test_elevenlabs_over_the_budget_is_402_and_creates_nothing(cast: Any, alice_client: Any, settings: Any) -> None:
    settings.ELEVENLABS_API_KEY = KEY
    transcript = _video_with_transcript(cast)
    SourceVideo.all_objects.filter(pk=transcript.source_video_id).update(has_audio=True, duration=3 * 3600)
    Profile.objects.filter(pk=cast.store_a.pk).update(monthly_budget_usd=Decimal("0.50"))  # 3 h cost $1.20
    response = _transcribe(alice_client, str(transcript.source_video_id), provider="elevenlabs")
    assert response.status_code == 402, response.content
    assert not Job.all_objects.exists() and not BudgetReservation.all_objects.exists()
