"""ElevenLabs speech through the official SDK, against the fake ElevenLabs on loopback HTTP."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from costs.models import CostEntry
from library.media.probe import probe
from library.providers.tts import TTSError, WordTiming
from library.providers.tts.elevenlabs import KEY_REJECTED, ElevenLabsProvider
from profiles.tenancy import ScopeError, profile_scope
from tests.fakes.elevenlabs import KEY, STOCK_VOICE, ElevenLabsHandler, ElevenLabsState
from tests.fakes.server import Running, running

TEXT = "Hello there, world. Buy now!"
TTS_PATH = r"/v1/text-to-speech/[^/]+/with-timestamps"


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


@pytest.fixture
def store_a(cast: Any) -> Iterator[Any]:
    with profile_scope(cast.store_a):
        yield cast.store_a


def words_from(alignment: dict[str, Any], text: str) -> list[WordTiming]:
    """The expected words, worked out here from the alignment the fake sent."""
    words, position = [], 0
    for word in text.split():
        first = text.index(word, position)
        last = first + len(word) - 1
        position = last + 1
        start = alignment["character_start_times_seconds"][first]
        words.append(WordTiming(word, start, alignment["character_end_times_seconds"][last]))
    return words


def test_it_speaks_with_word_timings_taken_exactly_from_the_alignment(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path
) -> None:
    settings = {"stability": 0.4, "similarity_boost": 0.8, "style": 0.1, "speed": 1.1, "use_speaker_boost": True}
    speech = provider.synthesize(
        text=TEXT, out_dir=tmp_path, voice_id="21m00Tcm4TlvDq8ikWAM", model="eleven_v3", voice_settings=settings
    )
    assert speech.words == words_from(state.alignments[-1], TEXT)
    assert [w.word for w in speech.words] == ["Hello", "there,", "world.", "Buy", "now!"]
    assert speech.audio_path.parent == tmp_path and speech.audio_path.suffix == ".mp3"
    assert probe(speech.audio_path).has_audio
    assert speech.duration == probe(speech.audio_path).duration > 1
    assert speech.words[-1].end <= speech.duration + 0.05
    assert (speech.provider, speech.model, speech.voice_id, speech.characters) == (
        "elevenlabs", "eleven_v3", "21m00Tcm4TlvDq8ikWAM", len(TEXT),
    )  # fmt: skip
    (call,) = state.calls
    assert call.method == "POST" and call.path == "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/with-timestamps"
    assert call.key == KEY
    assert call.query == {"output_format": "mp3_44100_128"}
    assert call.body["text"] == TEXT and call.body["model_id"] == "eleven_v3"
    assert call.body["voice_settings"] == settings


@override_settings(ELEVENLABS_VOICE_ID="EXAVITQu4vr4xnSDxMaL", ELEVENLABS_MODEL="eleven_flash_v2_5")
def test_it_uses_the_configured_voice_and_model_by_default(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path
) -> None:
    speech = provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert (speech.voice_id, speech.model) == ("EXAVITQu4vr4xnSDxMaL", "eleven_flash_v2_5")
    assert state.calls[0].path == "/v1/text-to-speech/EXAVITQu4vr4xnSDxMaL/with-timestamps"
    assert state.calls[0].body["model_id"] == "eleven_flash_v2_5"
    assert "voice_settings" not in state.calls[0].body or state.calls[0].body["voice_settings"] is None


@pytest.mark.parametrize(
    ("model", "expected"),
    [("eleven_multilingual_v2", Decimal("0.008400")), ("eleven_flash_v2_5", Decimal("0.004200"))],
)
def test_it_records_characters_times_the_price_stamped_with_the_job(
    store_a: Any, provider: ElevenLabsProvider, tmp_path: Path, model: str, expected: Decimal
) -> None:
    job_id = uuid.uuid4()
    provider.synthesize(text=TEXT, out_dir=tmp_path, voice_id=STOCK_VOICE, model=model, job_id=job_id)
    entry = CostEntry.objects.get()
    # 28 characters x $0.30 / 1000 (flash models bill half the characters)
    assert (entry.provider, entry.model, entry.operation, entry.units) == (
        "elevenlabs",
        model,
        "tts",
        {"characters": 28},
    )
    assert entry.cost_usd == expected
    assert entry.job_id == job_id and entry.profile_id == store_a.pk


def test_it_reports_a_rejected_key_clearly_and_does_not_retry(
    store_a: Any, fake: Running, state: ElevenLabsState, sleeps: list[float], tmp_path: Path
) -> None:
    provider = ElevenLabsProvider(api_key="el-wrong-key", base_url=fake.url, timeout=10, sleep=sleeps.append)
    with pytest.raises(TTSError) as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert (caught.value.message, caught.value.retryable, caught.value.status) == (KEY_REJECTED, False, 401)
    assert "el-wrong-key" not in repr(caught.value)
    assert len(state.calls) == 1 and sleeps == []
    assert not CostEntry.objects.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_it_retries_rate_limits_and_server_errors_then_succeeds(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, sleeps: list[float], tmp_path: Path, status: int
) -> None:
    state.fail_next(status, times=2)
    speech = provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert speech.words[0].word == "Hello"
    assert len(state.calls) == 3
    assert sleeps == [1.0, 2.0]  # exponential backoff
    assert CostEntry.objects.count() == 1  # only the call that worked is billed


def test_it_waits_as_long_as_a_rate_limit_asks(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, sleeps: list[float], tmp_path: Path
) -> None:
    state.fail_next(429, retry_after=7)
    provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert sleeps == [7.0]


def test_it_gives_up_clearly_when_the_server_keeps_failing(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, sleeps: list[float], tmp_path: Path
) -> None:
    state.fail_next(502, times=10)
    with pytest.raises(TTSError) as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert (caught.value.retryable, caught.value.status) == (True, 502)
    assert "ElevenLabs answered 502" in caught.value.message
    assert len(state.calls) == 3 and len(sleeps) == 2
    assert not CostEntry.objects.exists()


def test_it_reports_a_timeout_as_retryable(
    store_a: Any, fake: Running, state: ElevenLabsState, sleeps: list[float], tmp_path: Path
) -> None:
    provider = ElevenLabsProvider(api_key=KEY, base_url=fake.url, timeout=0.3, attempts=2, sleep=sleeps.append)
    state.delay_next(1.5, times=2)
    with pytest.raises(TTSError) as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert (caught.value.retryable, caught.value.status) == (True, None)
    assert "did not answer within 0.3 s" in caught.value.message
    assert len(state.calls) == 2 and sleeps == [1.0]


def test_it_reports_an_unreachable_server_as_retryable(store_a: Any, sleeps: list[float], tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    provider = ElevenLabsProvider(api_key=KEY, base_url=f"http://127.0.0.1:{port}", timeout=2, sleep=sleeps.append)
    with pytest.raises(TTSError, match="could not be reached") as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert caught.value.retryable and len(sleeps) == 2


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"voice_id": "NoSuchVoice000000000"}, 404, "A voice with voice_id NoSuchVoice000000000 was not found."),
        ({"model": "eleven_turbo_v2"}, 400, "Model 'eleven_turbo_v2' not found."),
    ],
)
def test_it_passes_on_what_the_server_refused_without_retrying(
    store_a: Any,
    provider: ElevenLabsProvider,
    state: ElevenLabsState,
    sleeps: list[float],
    tmp_path: Path,
    kwargs: dict[str, str],
    status: int,
    message: str,
) -> None:
    with pytest.raises(TTSError) as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path, **kwargs)
    assert (caught.value.retryable, caught.value.status) == (False, status)
    assert caught.value.message == f"ElevenLabs refused the request: {message}"
    assert len(state.calls) == 1 and sleeps == []


@pytest.mark.parametrize(
    "voice_id", ["no-such-voice", "../../v1/user/subscription", "JBFqnCBsd6RMkjVDRZzb?x=1", "é" * 20]
)
def test_it_refuses_a_voice_id_that_is_not_one_before_building_a_url(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path, voice_id: str
) -> None:
    """The SDK puts the id in the URL path unescaped: only ElevenLabs' own id format gets there."""
    with pytest.raises(TTSError, match="is not an ElevenLabs voice id") as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path, voice_id=voice_id)
    assert caught.value.status == 400 and state.calls == []
    with pytest.raises(TTSError, match="is not an ElevenLabs voice id"):
        provider.delete_voice(voice_id)
    assert state.calls == []


def test_it_explains_a_validation_error(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path
) -> None:
    body = {"detail": [{"loc": ["body", "text"], "msg": "String should have at most 5000 characters", "type": "x"}]}
    state.fail_next(422, body=body)
    with pytest.raises(TTSError) as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert (caught.value.retryable, caught.value.status) == (False, 422)
    assert caught.value.message == "ElevenLabs refused the request: text: String should have at most 5000 characters"


def test_it_reports_an_exhausted_quota(store_a: Any, fake: Running, state: ElevenLabsState, tmp_path: Path) -> None:
    state.character_limit = 10
    provider = ElevenLabsProvider(api_key=KEY, base_url=fake.url, timeout=10, sleep=lambda s: None)
    with pytest.raises(TTSError, match=r"quota exceeded.*10 credits remaining") as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert (caught.value.retryable, caught.value.status) == (False, 402)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": " \n"}, "no text"),
        ({"voice_settings": {"stability": 1.5}}, "stability must be a number from 0.0 to 1.0"),
        ({"voice_settings": {"speed": 2}}, "speed must be a number from 0.7 to 1.2"),
        ({"voice_settings": {"use_speaker_boost": "yes"}}, "use_speaker_boost must be true or false"),
        ({"voice_settings": {"rate": 170}}, "Unknown ElevenLabs voice settings"),
        ({"model": "eleven_unpriced_v9"}, "no price for elevenlabs model 'eleven_unpriced_v9'"),
    ],
)
def test_it_refuses_bad_input_before_calling_anyone(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path, kwargs: dict, message: str
) -> None:
    with pytest.raises(TTSError, match=message) as caught:
        provider.synthesize(**{"text": TEXT, "out_dir": tmp_path, **kwargs})
    assert (caught.value.retryable, caught.value.status) == (False, 400)
    assert state.calls == []


def test_it_still_records_the_cost_when_the_answer_is_unusable(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path
) -> None:
    state.fail_next(200, body={"audio_base64": "not base64 !!", "alignment": None})
    with pytest.raises(TTSError, match="returned no audio") as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert caught.value.retryable
    assert CostEntry.objects.count() == 1  # the call was billed
    assert list(tmp_path.iterdir()) == []


def test_it_needs_a_profile_scope_before_calling(db: Any, provider: ElevenLabsProvider, state: ElevenLabsState) -> None:
    with pytest.raises(ScopeError):
        provider.synthesize(text=TEXT, out_dir=Path("/nonexistent"))
    assert state.calls == []


@override_settings(ELEVENLABS_API_KEY="")
def test_it_needs_a_key() -> None:
    with pytest.raises(TTSError, match="ELEVENLABS_API_KEY") as caught:
        ElevenLabsProvider()
    assert caught.value.status == 400


def test_it_says_why_a_restricted_key_was_rejected(
    store_a: Any, provider: ElevenLabsProvider, state: ElevenLabsState, tmp_path: Path
) -> None:
    message = "The API key you used is missing the permission text_to_speech to execute this operation."
    state.fail_next(401, body={"detail": {"status": "missing_permissions", "message": message}})
    with pytest.raises(TTSError) as caught:
        provider.synthesize(text=TEXT, out_dir=tmp_path)
    assert caught.value.message == f"{KEY_REJECTED}: {message}"
    assert (caught.value.retryable, caught.value.status) == (False, 401)
