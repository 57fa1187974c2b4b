"""Voices, instant voice cloning, the ElevenLabs subscription, and choosing a TTS provider."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from library.providers.tts import TTSError, get_tts_provider
from library.providers.tts.elevenlabs import ElevenLabsProvider, SubscriptionUsage
from library.providers.tts.espeak import EspeakProvider
from profiles.tenancy import profile_scope
from tests.fakes.elevenlabs import KEY, STOCK_VOICE, ElevenLabsHandler, ElevenLabsState, FakeVoice
from tests.fakes.server import Running, running
from tests.media import make_video

SPEECH = (
    "This is my own voice. I record it so that the shop can speak in it, clearly and warmly, every "
    "single day. Our customers know it, and they trust it when it tells them about something new."
)


@pytest.fixture
def state() -> ElevenLabsState:
    return ElevenLabsState()


@pytest.fixture
def fake(state: ElevenLabsState) -> Iterator[Running]:
    with running(ElevenLabsHandler, state) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def provider(fake: Running, sleeps: list[float]) -> ElevenLabsProvider:
    return ElevenLabsProvider(api_key=KEY, base_url=fake.url, timeout=10, sleep=sleeps.append)


def spoken(path: Path, text: str) -> Path:
    subprocess.run(["espeak-ng", "-w", str(path), "--stdin"], input=text.encode(), check=True, timeout=60)
    return path


def silent(path: Path, seconds: float) -> Path:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"anullsrc=r=44100:cl=mono:d={seconds}", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


# -- voices -----------------------------------------------------------------------------------


def test_it_lists_every_voice_across_pages(provider: ElevenLabsProvider, state: ElevenLabsState) -> None:
    for n in range(150):
        state.voices[f"voice{n:03d}"] = FakeVoice(f"voice{n:03d}", f"Voice {n}", category="generated")
    voices = provider.voices()
    assert len(voices) == 153 and len({v.id for v in voices}) == 153
    george = next(v for v in voices if v.id == STOCK_VOICE)
    assert (george.name, george.provider, george.language) == ("George", "elevenlabs", "en")
    assert george.labels == {"accent": "british", "gender": "male", "language": "en", "category": "premade"}
    # Without a language label, the first verified language counts.
    assert next(v for v in voices if v.id == "voice007").language == "en"
    pages = state.calls_to("GET", "/v2/voices")
    assert len(pages) == 2 and pages[0].query["page_size"] == "100" and pages[1].query["next_page_token"] == "100"
    assert all(call.key == KEY for call in pages)


def test_it_reports_a_failure_listing_voices(provider: ElevenLabsProvider, state: ElevenLabsState) -> None:
    state.fail_next(401, body={"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
    with pytest.raises(TTSError, match="key rejected"):
        provider.voices()


@pytest.mark.parametrize(
    ("category", "sharing", "stock"),
    [
        ("premade", None, True),
        ("famous", None, True),
        ("high_quality", None, True),
        ("professional", {"status": "copied"}, True),  # added from the public Voice Library
        ("cloned", None, False),
        ("generated", None, False),
        ("professional", None, False),  # a professional clone made in this account
        ("professional", {"status": "enabled"}, False),  # ... and shared by it
    ],
)
def test_it_tells_stock_voices_from_the_accounts_own(
    provider: ElevenLabsProvider, state: ElevenLabsState, category: str, sharing: Any, stock: bool
) -> None:
    state.voices = {"Candidate00000000000": FakeVoice("Candidate00000000000", "C", category=category, sharing=sharing)}
    (voice,) = provider.voices()
    assert voice.stock is stock


def test_it_lists_voices_within_a_deadline(provider: ElevenLabsProvider, state: ElevenLabsState) -> None:
    state.delay_next(2.0)
    with pytest.raises(TTSError, match=r"did not answer within 0\.3 s") as caught:
        provider.voices(deadline=0.3)
    assert caught.value.retryable and len(state.calls) == 1  # one attempt: a request is waiting


def test_it_deletes_a_voice_and_accepts_one_already_gone(provider: ElevenLabsProvider, state: ElevenLabsState) -> None:
    state.voices["ClonedBySomeone00000"] = FakeVoice("ClonedBySomeone00000", "Gone soon", category="cloned")
    assert provider.delete_voice("ClonedBySomeone00000") is True
    assert provider.delete_voice("ClonedBySomeone00000") is False  # 404: already gone
    assert state.deleted == ["ClonedBySomeone00000"]
    assert [(c.method, c.path, c.key) for c in state.calls] == [("DELETE", "/v1/voices/ClonedBySomeone00000", KEY)] * 2


# -- cloning ----------------------------------------------------------------------------------


def test_it_clones_a_voice_from_valid_samples(
    provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path
) -> None:
    first = spoken(tmp_path / "take one.wav", SPEECH)
    second = make_video(tmp_path / "clip.mp4", seconds=2)  # a video's sound counts too
    voice = provider.clone_voice(name="  Shop owner ", samples=[first, second], description="Warm, friendly")
    (clone,) = state.clones
    assert voice.id == clone["voice_id"] and voice.name == "Shop owner" and voice.provider == "elevenlabs"
    assert voice.labels == {"category": "cloned"} and voice.stock is False
    assert (clone["name"], clone["description"]) == ("Shop owner", "Warm, friendly")
    assert clone["files"] == [
        ("take one.wav", first.stat().st_size, hashlib.sha256(first.read_bytes()).hexdigest()),
        ("clip.mp4", second.stat().st_size, hashlib.sha256(second.read_bytes()).hexdigest()),
    ]
    (call,) = state.calls
    assert (call.method, call.path, call.key) == ("POST", "/v1/voices/add", KEY)
    assert voice.id in {v.id for v in provider.voices()}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: [spoken(d / "short.wav", "Hello there.")], r"hold \d\.\d s of speech; .* at least 6 s"),
        (lambda d: [silent(d / "quiet.wav", 12)], r"hold 0\.0 s of speech"),
        (lambda d: [d / "notes.wav"], "'notes.wav' is not an audio file"),
        (lambda d: [make_video(d / "mute.mp4", seconds=8, audio=False)], "'mute.mp4' has no audio"),
        (lambda d: [d / "huge.wav"], r"'huge.wav' is 11\.0 MB; each sample may be at most 10 MB"),
        (lambda d: [d / "missing.wav"], "'missing.wav' is empty or missing"),
        (lambda d: [], "at least one audio sample"),
        (lambda d: [spoken(d / "a.wav", SPEECH)] * 26, "at most 25 samples, got 26"),
    ],
    ids=["too-short", "silence", "not-audio", "video-without-sound", "too-big", "missing", "none", "too-many"],
)
def test_it_refuses_unusable_samples_before_calling(
    provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path, make: Any, message: str
) -> None:
    (tmp_path / "notes.wav").write_text("these are not the samples you are looking for\n" * 100)
    with (tmp_path / "huge.wav").open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    with pytest.raises(TTSError, match=message) as caught:
        provider.clone_voice(name="Shop owner", samples=make(tmp_path))
    assert (caught.value.status, caught.value.retryable) == (400, False)
    assert state.calls == []


def test_it_needs_a_name_for_a_cloned_voice(provider: ElevenLabsProvider, tmp_path: Path) -> None:
    with pytest.raises(TTSError, match="needs a name") as caught:
        provider.clone_voice(name=" ", samples=[spoken(tmp_path / "a.wav", SPEECH)])
    assert caught.value.status == 400


def test_it_does_not_repeat_a_clone_the_server_may_have_made(
    provider: ElevenLabsProvider, state: ElevenLabsState, sleeps: list[float], tmp_path: Path
) -> None:
    state.fail_next(500)
    with pytest.raises(TTSError) as caught:
        provider.clone_voice(name="Shop owner", samples=[spoken(tmp_path / "a.wav", SPEECH)])
    assert caught.value.retryable and len(state.calls) == 1 and sleeps == []


def test_it_repeats_a_clone_that_was_rate_limited(
    provider: ElevenLabsProvider, state: ElevenLabsState, sleeps: list[float], tmp_path: Path
) -> None:
    state.fail_next(429)
    provider.clone_voice(name="Shop owner", samples=[spoken(tmp_path / "a.wav", SPEECH)])
    assert len(state.calls) == 2 and sleeps == [1.0]
    # Both attempts carried the whole file, not a half-read one.
    assert state.calls[0].body == state.calls[1].body
    assert len(state.clones) == 1


# -- subscription -----------------------------------------------------------------------------


def test_it_reads_the_subscription_usage(
    cast: Any, provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path
) -> None:
    with profile_scope(cast.store_a):
        provider.synthesize(text="Twelve chars", out_dir=tmp_path)
    assert provider.subscription() == SubscriptionUsage(
        character_count=12, character_limit=100_000, next_reset=datetime(2026, 1, 1, tzinfo=UTC), tier="creator"
    )
    assert state.calls[-1].path == "/v1/user/subscription"


def test_it_reads_a_subscription_without_a_reset_date(provider: ElevenLabsProvider, state: ElevenLabsState) -> None:
    state.next_reset_unix = None
    assert provider.subscription().next_reset is None


# -- choosing a provider ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key", "expected"),
    [
        (None, "", EspeakProvider),
        ("", "", EspeakProvider),
        (None, "el-key", ElevenLabsProvider),
        ("", "el-key", ElevenLabsProvider),
        ("espeak", "el-key", EspeakProvider),
        ("elevenlabs", "el-key", ElevenLabsProvider),
    ],
)
def test_it_chooses_elevenlabs_when_a_key_is_set_and_espeak_otherwise(
    name: str | None, key: str, expected: type
) -> None:
    with override_settings(ELEVENLABS_API_KEY=key):
        provider = get_tts_provider(name)
    assert type(provider) is expected
    assert provider.name == {EspeakProvider: "espeak", ElevenLabsProvider: "elevenlabs"}[expected]


@override_settings(ELEVENLABS_API_KEY="")
def test_it_refuses_elevenlabs_without_a_key_and_unknown_providers() -> None:
    with pytest.raises(TTSError, match="not configured"):
        get_tts_provider("elevenlabs")
    with pytest.raises(ValueError, match="unknown TTS provider 'gtts'"):
        get_tts_provider("gtts")
