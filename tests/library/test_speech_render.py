"""Cutting, captioning and tightening on what is said, end to end with real ffmpeg: real speech
(espeak-ng words at known times, two voices and speeds) over real footage, stored as the
source's Transcript, then generate, one-click and renders through the API and the job runner.
The rendered files are checked: frames (caption pixels), sound (speech energy at each word).

Budget: ~20 s on 2 cores (320x180 sources of ~10 s, a 360x640 export preset, two 1080x1920 raw
variants of ~4 s for generate)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from library import timeline
from library.keywords import TimedWord
from library.models import Clip, Job, JobStatus, SourceVideo, Transcript
from library.selection import Cut
from library.services import analysis as analysis_services
from profiles.tenancy import profile_scope
from tests.conftest import api_client_for
from tests.factories import ClipFactory, ExportPresetFactory, ProjectFactory, SourceVideoFactory, TranscriptFactory
from tests.fakes.gemini import API_KEY, GeminiHandler, GeminiState
from tests.fakes.server import running
from tests.jobs import reload, run
from tests.library.helpers import upload
from tests.worded_media import WordedClip, audio_samples, frame_png, worded_video

pytestmark = pytest.mark.django_db(transaction=True)
ONE_CLICK = "/api/v1/library/one-click/"
CLIPS = "/api/v1/library/clips/"
PROJECTS = "/api/v1/library/projects/"
PRESET = "speech-test"

TALK = (
    ("Meet the Zenbrew travel mug.", 1.2),
    ("Does it keep your coffee hot?", 0.9),
    ("Yes, for twelve hours.", 1.4),
    ("Order yours today.", 0.0),
)
OTHER = (("Our lamp folds flat.", 1.0), ("It fits in any bag.", 0.0))
PAUSED = (("It keeps, um, coffee hot.", 1.6), ("Order one today.", 0.0))


def _source(client: Any, profile: Any, clip: WordedClip, *, reliable: bool = True) -> SourceVideo:
    """The clip uploaded as a source video, with its exact words stored as its transcript."""
    response = upload(client, clip.path)
    assert response.status_code == 201, response.content
    video = SourceVideo.all_objects.get(pk=response.json()["id"])
    TranscriptFactory(
        profile=profile, source_video=video, text=clip.text, words=list(clip.words), sentences=list(clip.sentences),
        reliable=reliable, mean_probability=0.95 if reliable else 0.2, duration=clip.duration,
    )  # fmt: skip
    return video


@pytest.fixture
def speaking(cast: Any, settings: Any) -> dict[str, Any]:
    settings.GEMINI_API_KEY = ""
    settings.ELEVENLABS_API_KEY = ""
    settings.AUTO_TRANSCRIBE = False
    ExportPresetFactory(profile=cast.store_a, name=PRESET, width=360, height=640, speed="ultrafast", crf=30)
    return {"client": api_client_for(cast.alice), "profile": cast.store_a}


def _assert_outside_words(cuts: list[dict], words: tuple[dict, ...], margin: float = 0.12) -> None:
    """No cut edge inside a word; each edge `margin` away from the words around it, or in the
    middle of a pause too short for two margins."""
    for cut in cuts:
        for edge in (cut["start"], cut["end"]):
            inside = [w["text"] for w in words if w["start"] < edge < w["end"]]
            assert not inside, f"a cut at {edge} s falls inside {inside}"
            before = max((w["end"] for w in words if w["end"] <= edge), default=-9.0)
            after = min((w["start"] for w in words if w["start"] >= edge), default=99.0)
            clearance = min(margin, (after - before) / 2) - 0.002
            assert edge - before >= clearance and after - edge >= clearance, (edge, before, after)


def test_one_click_and_generate_cut_only_between_words(speaking: dict[str, Any], monkeypatch: Any) -> None:
    """A fresh upload with sound: one-click transcribes it first (EDITAI_AUTO_TRANSCRIBE; the
    recogniser is replaced by the known words here), then cuts on its sentences and captions its
    speech by default; generate cuts on the same sentences."""
    client = speaking["client"]
    talk = worded_video(TALK, voice="en-us", speed=165)
    response = upload(client, talk.path)
    video = SourceVideo.all_objects.get(pk=response.json()["id"])
    heard_by: list[str] = []

    def transcribe(*, ctx: Any, video: SourceVideo, context_text: str | None = None, **_: Any) -> Transcript:
        ctx.step(0.0, 1.0).progress(1.0)
        heard_by.append(context_text or "")
        return Transcript.objects.create(source_video=video, provider="local", text=talk.text, words=list(talk.words),
                                         sentences=list(talk.sentences), reliable=True, mean_probability=0.95)  # fmt: skip

    monkeypatch.setattr("editai.oneclick.services.transcript_create", transcribe)
    monkeypatch.setattr(settings, "AUTO_TRANSCRIBE", True)
    context = "Zenbrew travel mug"
    response = client.post(ONE_CLICK, {"source_video": str(video.pk), "variant_count": 1, "target_duration": 4,
                                       "preset": PRESET, "context_text": context, "layout": "pad"}, format="json")  # fmt: skip
    assert response.status_code == 202, response.content
    assert reload(response.json()["id"]).params["captions"] is None  # automatic
    assert run(response.json()["id"]) == "succeeded", reload(response.json()["id"]).error
    result = reload(response.json()["id"]).result
    assert heard_by == [context] and result["transcript"]["words"] == len(talk.words)
    assert [r["captions"] for r in result["renders"]] == ["speech"]  # no script: the speech
    for clip in Clip.all_objects.filter(pk__in=result["clips"]):
        assert clip.selection["speech"] is True
        _assert_outside_words(clip.render_info["cut_list"], talk.words)
        assert 4 * 0.8 - 0.01 <= clip.final_duration <= 4 * 1.2 + 0.01
        heard = {w["word"] for w in clip.render_info["words"]}
        assert heard and heard <= {w["text"] for w in talk.words}
    project = client.post(PROJECTS, {"name": "Mug", "target_duration": 4, "context_text": context},
                          format="json").json()  # fmt: skip
    job = client.post(f"{PROJECTS}{project['id']}/generate/", {"source_video": str(video.pk), "variant_count": 1,
                                                              "tighten": True}, format="json").json()  # fmt: skip
    assert run(job["id"]) == "succeeded", reload(job["id"]).error
    assert reload(job["id"]).result["analysis"]["cached"] is True  # the analysis that listened, reused
    (clip,) = Clip.all_objects.filter(project_id=project["id"])
    assert clip.selection["speech"] is True and clip.selection["tighten"] is True
    assert isinstance(clip.selection["tightened"], list)  # what tightening took out (maybe nothing)
    _assert_outside_words(clip.cut_list, talk.words)
    assert 4 * 0.8 - 0.01 <= clip.duration <= 4 * 1.2 + 0.01


def _yellow(png: Path) -> int:
    """Pixels of the karaoke highlight (#FFD400): the footage is black and white."""
    pixels = np.asarray(Image.open(png).convert("RGB")).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((r > 180) & (g > 140) & (b < 100)).sum())


def _yellow_row(png: Path) -> float:
    """The mean row of the highlight's pixels (which caption line the lit word is on)."""
    pixels = np.asarray(Image.open(png).convert("RGB")).astype(int)
    rows, _ = np.nonzero((pixels[..., 0] > 180) & (pixels[..., 1] > 140) & (pixels[..., 2] < 100))
    return float(rows.mean())


def _white_text(png: Path, height: int) -> int:
    """Bright pixels in the caption band (just above the platform buttons' zone)."""
    pixels = np.asarray(Image.open(png).convert("L")).astype(int)
    band = pixels[int(height * 0.55) : int(height * 0.85)]
    return int((band > 235).sum())


def test_speech_captions_follow_reordered_pieces_from_two_sources(speaking: dict[str, Any], tmp_path: Path) -> None:
    client, profile = speaking["client"], speaking["profile"]
    talk = worded_video(TALK, voice="en-us", speed=165)
    other = worded_video(OTHER, voice="en-gb", speed=140, start_at=20.0)
    a, b = _source(client, profile, talk), _source(client, profile, other)
    s = talk.sentences
    m = 0.12
    cut_list = [  # the third sentence of A, A's silent pause, B's first sentence, then A's first
        {"source_video": str(a.pk), "start": s[2]["start"] - m, "end": s[2]["end"] + m},
        {"source_video": str(a.pk), "start": s[2]["end"] + 0.2, "end": s[2]["end"] + 1.2},
        {"source_video": str(b.pk), "start": other.sentences[0]["start"] - m, "end": other.sentences[0]["end"] + m},
        {"source_video": str(a.pk), "start": s[0]["start"] - m, "end": s[0]["end"] + m},
    ]
    clip = ClipFactory(profile=profile, project=ProjectFactory(profile=profile), cut_list=cut_list)
    response = client.post(f"{CLIPS}{clip.pk}/render/", {"preset": PRESET}, format="json")
    assert response.status_code == 202
    assert run(response.json()["id"]) == "succeeded", reload(response.json()["id"]).error
    clip = Clip.all_objects.get(pk=clip.pk)
    assert clip.render_info["captions"] == "speech"  # no script, a reliable transcript: the default
    # The words where the viewer hears them: computed here by hand from the cut list.
    expected, at = [], 0.0
    for piece, source in zip(cut_list, (talk, talk, other, talk), strict=True):
        for w in source.words:
            if piece["start"] <= w["start"] and w["end"] <= piece["end"]:
                expected.append((w["text"], round(at + w["start"] - piece["start"], 3)))
        at += piece["end"] - piece["start"]
    assert [(w["word"], w["start"]) for w in clip.render_info["words"]] == [(t, pytest.approx(s_, abs=0.002))
                                                                             for t, s_ in expected]  # fmt: skip
    assert [t for t, _ in expected][:4] == ["Yes,", "for", "twelve", "hours."]
    assert [t for t, _ in expected][4:8] == ["Our", "lamp", "folds", "flat."]
    final = Path(default_storage.path(clip.final_file.name))
    words = clip.render_info["words"]
    silent_middle = cut_list[0]["end"] - cut_list[0]["start"] + 0.5  # inside A's pause
    moments = {
        "A3": (words[2]["start"] + words[2]["end"]) / 2,
        "B1": (words[5]["start"] + words[5]["end"]) / 2,
        "A1": (words[-2]["start"] + words[-2]["end"]) / 2,
    }
    for name, t in moments.items():
        png = frame_png(final, t, tmp_path / f"{name}.png")
        assert _yellow(png) > 150, f"no highlighted word at {t:.2f} s ({name})"
        assert _white_text(png, 640) > 150
    # Word by word: "for" lights up on the first line, then "twelve" on the second.
    first_line = frame_png(final, (words[1]["start"] + words[1]["end"]) / 2, tmp_path / "for.png")
    assert _yellow_row(first_line) < _yellow_row(tmp_path / "A3.png") - 10
    gap = frame_png(final, silent_middle, tmp_path / "gap.png")
    assert _yellow(gap) == 0 and _white_text(gap, 640) < 30, "captions shown while nobody speaks"


def test_tighten_shortens_a_clip_without_clipping_a_word(speaking: dict[str, Any]) -> None:
    client, profile = speaking["client"], speaking["profile"]
    paused = worded_video(PAUSED, voice="en-gb", speed=150)
    video = _source(client, profile, paused)
    whole = [{"source_video": str(video.pk), "start": 0.0, "end": paused.duration}]
    clip = ClipFactory(profile=profile, project=ProjectFactory(profile=profile), cut_list=whole)
    response = client.patch(f"{CLIPS}{clip.pk}/content/", {"tighten": True, "captions": "none"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["selection"]["tighten"] is True
    job = client.post(f"{CLIPS}{clip.pk}/render/", {"preset": PRESET}, format="json").json()
    assert run(job["id"]) == "succeeded", reload(job["id"]).error
    clip = Clip.all_objects.get(pk=clip.pk)
    removed = clip.render_info["tightened"]
    reasons = [r["reason"] for r in removed]
    assert "filler: um," in reasons and "pause" in reasons
    cut = sum(r["seconds"] for r in removed)
    assert cut > 1.5 and clip.final_duration == pytest.approx(paused.duration - cut, abs=0.1)
    assert clip.render_info["captions"] == "none" and clip.render_info["words"] == []
    # Every word but the filler plays whole, at its place on the tightened timeline, and is heard.
    cuts = [Cut(c["source_video"], c["start"], c["end"]) for c in clip.render_info["cut_list"]]
    source_words = {str(video.pk): [TimedWord(w["text"], w["start"], w["end"]) for w in paused.words]}
    placed = timeline.words_on_timeline(cuts, source_words)
    kept = [w["text"] for w in paused.words if w["text"] != "um,"]
    assert [w.text for w in placed] == kept
    for w, original in zip(placed, [w for w in paused.words if w["text"] != "um,"], strict=True):
        assert w.end - w.start == pytest.approx(original["end"] - original["start"], abs=1e-6)  # not clipped
    sound = audio_samples(Path(default_storage.path(clip.final_file.name)))
    rate = 16000

    def rms(a: float, b: float) -> float:
        part = sound[int(a * rate) : int(b * rate)]
        return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0

    energies = [rms(w.start + 0.03, w.end - 0.03) for w in placed]
    assert min(energies) > 0.25 * float(np.median(energies)), energies
    # The edges of each word too (its first and last 60 ms), so no word lost its start or end.
    for w in placed:
        assert rms(w.start, w.start + 0.06) > 0.004 and rms(w.end - 0.06, w.end) > 0.004, w
    # What remains of the pauses is quiet.
    for first, second in itertools.pairwise(placed):
        if second.start - first.end > 0.15:
            assert rms(first.end + 0.05, second.start - 0.05) < 0.2 * float(np.median(energies))


@pytest.mark.django_db  # no job runs: no need for the slower transactional database
def test_captions_choice_is_validated(speaking: dict[str, Any]) -> None:
    client, profile = speaking["client"], speaking["profile"]
    video = _source(client, profile, worded_video(OTHER, voice="en-gb", speed=140, start_at=20.0))
    body = {"source_video": str(video.pk), "preset": PRESET, "variant_count": 1}
    both = client.post(ONE_CLICK, {**body, "captions": "speech", "script_text": "Buy it."}, format="json")
    assert both.status_code == 400 and "Choose one" in str(both.json())
    assert client.post(ONE_CLICK, {**body, "captions": "voiceover"}, format="json").status_code == 400
    assert client.post(ONE_CLICK, {**body, "captions": "subtitles"}, format="json").status_code == 400
    assert client.post(ONE_CLICK, {**body, "tighten": "maybe"}, format="json").status_code == 400
    ok = client.post(ONE_CLICK, {**body, "captions": "none", "script_text": "Buy it.", "tighten": True},
                     format="json")  # fmt: skip
    assert ok.status_code == 202
    params = reload(ok.json()["id"]).params
    assert (params["captions"], params["tighten"]) == ("none", True)
    clip = ClipFactory(profile=profile, project=ProjectFactory(profile=profile), script_text="A voiceover.")
    url = f"{CLIPS}{clip.pk}/content/"
    assert client.patch(url, {"captions": "speech"}, format="json").status_code == 400  # the script is there
    assert client.patch(url, {"captions": "speech", "script_text": ""}, format="json").status_code == 200
    assert client.patch(url, {"script_text": "Now a voiceover."}, format="json").status_code == 400
    assert client.patch(url, {"captions": None, "script_text": "Now a voiceover."}, format="json").status_code == 200
    assert client.patch(url, {"captions": "loud"}, format="json").status_code == 400
    stored = client.get(f"{CLIPS}{clip.pk}/").json()["selection"]
    assert stored["captions"] is None
    project = ProjectFactory(profile=profile)
    bad = client.post(f"{PROJECTS}{project.pk}/generate/", {"source_video": str(video.pk), "variant_count": 1,
                                                            "tighten": "x"}, format="json")  # fmt: skip
    assert bad.status_code == 400


def test_an_unreliable_transcript_is_not_captioned_by_default(speaking: dict[str, Any]) -> None:
    client, profile = speaking["client"], speaking["profile"]
    other = worded_video(OTHER, voice="en-gb", speed=140, start_at=20.0)
    video = _source(client, profile, other, reliable=False)
    cut = [{"source_video": str(video.pk), "start": 0.0, "end": 2.7}]  # "Our lamp folds flat."
    clip = ClipFactory(profile=profile, project=ProjectFactory(profile=profile), cut_list=cut)
    job = client.post(f"{CLIPS}{clip.pk}/render/", {"preset": PRESET}, format="json").json()
    assert run(job["id"]) == "succeeded"
    assert Clip.all_objects.get(pk=clip.pk).render_info["captions"] == "none"
    # Asked for explicitly, it is used (the client may have corrected it); keyword b-roll listens
    # to it too: a segment whose keyword is said is cut in when it is said.
    client.patch(f"{CLIPS}{clip.pk}/content/", {"captions": "speech"}, format="json")
    broll = client.post("/api/v1/library/segments/", {"source_video": str(video.pk), "start": 3.0, "end": 4.5,
                                                      "keywords": ["lamp"]}, format="json").json()  # fmt: skip
    job = client.post(f"{CLIPS}{clip.pk}/render/", {"preset": PRESET, "broll": True}, format="json").json()
    assert run(job["id"]) == "succeeded"
    info = Clip.all_objects.get(pk=clip.pk).render_info
    assert info["captions"] == "speech" and info["words"][0]["word"] == "Our"
    lamp, flat = other.words[1], other.words[3]
    assert [(b["segment"], b["keyword"]) for b in info["broll"]] == [(broll["id"], "lamp")]
    assert info["broll"][0]["start"] == pytest.approx(lamp["start"], abs=1e-3)
    # Nobody is cut off: the b-roll follows the sentence, a margin after "flat.", with its own
    # sound; its end, inside "in", moves out of the word.
    assert info["broll"][0]["at"] == pytest.approx(flat["end"] + 0.12, abs=1e-3)
    assert [(c["start"], c["end"]) for c in info["cut_list"]] == [
        (0.0, pytest.approx(flat["end"] + 0.12, abs=1e-3)),
        (3.0, pytest.approx((other.words[6]["end"] + other.words[7]["start"]) / 2, abs=1e-3)),
    ]
    assert [w["word"] for w in info["words"]] == ["Our", "lamp", "folds", "flat.", "It", "fits", "in"]


@pytest.mark.django_db
def test_match_script_reads_the_transcript(speaking: dict[str, Any]) -> None:
    client, profile = speaking["client"], speaking["profile"]
    talk = worded_video(TALK, voice="en-us", speed=165)
    video = _source(client, profile, talk)
    other = SourceVideo.all_objects.get(pk=upload(client, worded_video(OTHER, voice="en-gb", speed=140,
                                                                       start_at=20.0).path).json()["id"])  # fmt: skip
    segment = client.post("/api/v1/library/segments/", {"source_video": str(other.pk), "start": 0, "end": 2,
                                                        "keywords": ["coffee"]}, format="json").json()  # fmt: skip
    answer = client.post("/api/v1/library/segments/match-script/", {"source_video": str(video.pk)}, format="json")
    assert answer.status_code == 200, answer.content
    spoken = next(w for w in talk.words if w["text"] == "coffee")
    assert answer.json()["timing"] == "transcript"
    assert [(m["segment"], m["start"]) for m in answer.json()["matches"]] == [
        (segment["id"], pytest.approx(spoken["start"], abs=1e-3))
    ]
    none = client.post("/api/v1/library/segments/match-script/", {"source_video": str(other.pk)}, format="json")
    assert none.status_code == 400 and "transcript" in str(none.json())
    assert Job.all_objects.filter(status=JobStatus.FAILED).count() == 0


@pytest.mark.django_db
def test_an_analysis_is_cached_with_the_transcript_it_heard(cast: Any) -> None:
    video = SourceVideoFactory(profile=cast.store_a)
    with profile_scope(cast.store_a):
        silent = analysis_services._analysis_key(video, "Zenbrew mug")
        transcript = TranscriptFactory(profile=cast.store_a, source_video=video, reliable=True)
        heard = analysis_services._analysis_key(video, "Zenbrew mug")
        transcript.words = transcript.words[:3]  # corrected: heard again
        transcript.save()
        corrected = analysis_services._analysis_key(video, "Zenbrew mug")
        Transcript.objects.filter(pk=transcript.pk).update(reliable=False)
        unreliable = analysis_services._analysis_key(video, "Zenbrew mug")
    assert len({silent, heard, corrected}) == 3 and unreliable == silent


def test_gemini_is_sent_the_transcript_with_the_frames(speaking: dict[str, Any], settings: Any) -> None:
    client, profile = speaking["client"], speaking["profile"]
    talk = worded_video(TALK, voice="en-us", speed=165)
    video = _source(client, profile, talk)
    with running(GeminiHandler, GeminiState()) as fake:
        settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL = API_KEY, fake.url
        job = client.post(f"/api/v1/library/source-videos/{video.pk}/analyze/", {"provider": "gemini"}, format="json")
        assert job.status_code == 202, job.content
        assert run(job.json()["id"]) == "succeeded", reload(job.json()["id"]).error
        prompts = "\n".join(call.prompt for call in fake.state.answered)
    first = talk.sentences[0]
    assert f"[{first['start']:.1f}-{first['end']:.1f} s] Meet the Zenbrew travel mug." in prompts
    assert all(s["text"] in prompts for s in talk.sentences)
