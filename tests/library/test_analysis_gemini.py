"""Gemini analysis against the loopback fake: what is sent, what is billed, how failures and
malformed answers are handled."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors, types

from costs.models import CostEntry
from library.media import ffmpeg as ff
from library.media.probe import probe
from library.providers.analysis import (
    AnalysisError,
    GeminiAnalysisProvider,
    MalformedAnswer,
    analyze_with_fallback,
    frames_for,
)
from profiles.tenancy import ScopeError, profile_scope
from tests.fakes.gemini import API_KEY, GeminiHandler, GeminiState
from tests.fakes.server import Running, running
from tests.media import BBB

CONTEXT = "Acme TrailRunner 2 shoes: waterproof, 240 g, for muddy mountain trails."
BBB_SECONDS = 30.003


@pytest.fixture
def fake() -> Iterator[Running]:
    with running(GeminiHandler, GeminiState(expected_context=CONTEXT)) as server:
        yield server


@pytest.fixture
def bbb(sample_media: Path) -> Path:
    return sample_media / BBB


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_provider(fake: Running, sleeps: Sleeps | None = None, **options: Any) -> GeminiAnalysisProvider:
    defaults = {"api_key": API_KEY, "base_url": fake.url, "timeout": 10.0, "max_retries": 3, "batch_frames": 16}
    return GeminiAnalysisProvider(**{**defaults, **options}, sleep=sleeps if sleeps is not None else Sleeps())


def analyze(provider: Any, video: Path, tmp_path: Path, **extra: Any) -> Any:
    kwargs = {"video_path": video, "duration": BBB_SECONDS, "workdir": tmp_path / "ws", "context_text": CONTEXT}
    return provider.analyze(**{**kwargs, **extra})


def test_it_sends_the_sampled_frames_with_their_times_and_the_context(cast, fake, bbb, tmp_path):
    with profile_scope(cast.store_a):
        result = analyze(make_provider(fake), bbb, tmp_path)

    [call] = fake.state.calls
    assert call.path == "/v1/models/gemini-2.5-flash:generateContent"
    assert call.key == API_KEY
    assert call.images == frames_for(BBB_SECONDS) == 15  # one per 2 s
    assert call.frame_times == [1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0, 17.0, 19.0, 21.0, 23.0, 25.0, 27.0, 29.0]
    assert CONTEXT in call.prompt
    config = call.body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert set(config["responseSchema"]["properties"]["segments"]["items"]["required"]) == {
        "start", "end", "score", "description", "tags",
    }  # fmt: skip
    frame = tmp_path / "frame.jpg"
    frame.write_bytes(call.image_bytes[5])
    video = probe(frame).video
    assert video is not None and video.codec == "mjpeg"
    assert (video.width, video.height) == (768, 432)  # 1280x720 capped at 768, aspect kept
    assert result.provider == "gemini" and result.model == "gemini-2.5-flash"
    assert len(result.segments) == 8
    assert all(0 <= s.start < s.end <= BBB_SECONDS and 0 <= s.score <= 100 for s in result.segments)
    assert [s.start for s in result.segments] == sorted(s.start for s in result.segments)
    assert result.segments[0].tags == ("product", "motion")
    assert not list((tmp_path / "ws").iterdir())  # the sampled frames are cleaned up


def test_it_records_each_calls_tokens_and_exact_dollars_with_the_job_id(cast, fake, bbb, tmp_path):
    job_id = uuid.uuid4()
    fake.state.thinking_tokens = 333
    with profile_scope(cast.store_a):
        result = analyze(make_provider(fake, batch_frames=4), bbb, tmp_path, job_id=job_id)
        entries = list(CostEntry.objects.order_by("created_at"))

    calls = fake.state.answered
    assert [c.images for c in calls] == [4, 4, 4, 3]
    assert len(entries) == 4
    for entry, call in zip(entries, calls, strict=True):
        assert entry.provider == "gemini" and entry.model == "gemini-2.5-flash" and entry.operation == "analysis"
        assert entry.job_id == job_id and entry.profile_id == cast.store_a.pk
        usage = call.usage
        assert entry.units == {
            "input_tokens": usage["promptTokenCount"],
            "output_tokens": usage["candidatesTokenCount"],
            "thinking_tokens": 333,
            "frames": call.images,
        }
        # $0.30 per million input tokens, $2.50 per million output tokens, thinking billed as output.
        expected = (
            Decimal(usage["promptTokenCount"]) * Decimal("0.30")
            + Decimal(usage["candidatesTokenCount"] + 333) * Decimal("2.50")
        ) / Decimal(1_000_000)
        assert entry.cost_usd == expected.quantize(Decimal("0.000001"))
        assert entry.cost_usd > 0
    assert result.usage["input_tokens"] == sum(c.usage["promptTokenCount"] for c in calls)
    assert result.usage["thinking_tokens"] == 4 * 333
    assert result.usage["requests"] == 4 and result.usage["frames"] == 15


def test_it_merges_batches_into_non_overlapping_segments(cast, fake, bbb, tmp_path):
    with profile_scope(cast.store_a):
        # Batches of 3 frames: each batch's last segment reaches into the next batch's first.
        result = analyze(make_provider(fake, batch_frames=3), bbb, tmp_path)

    assert len(fake.state.answered) == 5
    segments = result.segments
    assert len(segments) >= 8
    assert all(a.end <= b.start for a, b in itertools.pairwise(segments))
    assert all(0 <= s.start < s.end <= BBB_SECONDS for s in segments)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_it_retries_rate_limits_and_server_errors_then_succeeds(cast, fake, bbb, tmp_path, status):
    fake.state.fail_next(status, times=2)
    sleeps = Sleeps()
    with profile_scope(cast.store_a):
        result = analyze(make_provider(fake, sleeps), bbb, tmp_path)
        entries = CostEntry.objects.count()

    assert [c.status for c in fake.state.calls] == [status, status, 200]
    assert sleeps == [1.0, 2.0]  # exponential backoff
    assert result.segments
    assert entries == 1  # failed calls are not billed
    assert sum("retried" in note for note in result.notes) == 2


def test_it_waits_as_long_as_a_rate_limit_asks(cast, fake, bbb, tmp_path):
    fake.state.fail_next(429, retry_delay=7.5)
    sleeps = Sleeps()
    with profile_scope(cast.store_a):
        analyze(make_provider(fake, sleeps), bbb, tmp_path)
    assert sleeps == [7.5]  # the API's RetryInfo, longer than our first backoff of 1 s


def test_it_fails_clearly_when_the_errors_persist(cast, fake, bbb, tmp_path):
    fake.state.fail_next(503, times=10)
    sleeps = Sleeps()
    with profile_scope(cast.store_a), pytest.raises(AnalysisError) as caught:
        analyze(make_provider(fake, sleeps, max_retries=2), bbb, tmp_path)

    assert caught.value.retryable is True
    assert not isinstance(caught.value, MalformedAnswer)
    assert "Gemini is unavailable (503" in caught.value.message
    assert "after 3 attempts" in caught.value.message
    assert len(fake.state.calls) == 3 and sleeps == [1.0, 2.0]


def test_it_turns_timeouts_into_a_retryable_error(cast, fake, bbb, tmp_path):
    fake.state.delay_next(1.5, times=2)
    with profile_scope(cast.store_a), pytest.raises(AnalysisError) as caught:
        analyze(make_provider(fake, timeout=0.3, max_retries=1), bbb, tmp_path)

    assert caught.value.retryable is True
    assert "Gemini timed out after 0.3 s" in caught.value.message
    assert len(fake.state.calls) == 2


def test_it_recovers_when_a_timed_out_call_succeeds_on_retry(cast, fake, bbb, tmp_path):
    fake.state.delay_next(1.5)
    with profile_scope(cast.store_a):
        result = analyze(make_provider(fake, timeout=0.5), bbb, tmp_path)
    assert result.provider == "gemini" and result.segments
    assert any("Timeout" in note for note in result.notes)


def test_it_rejects_a_bad_key_without_retrying(cast, fake, bbb, tmp_path):
    sleeps = Sleeps()
    with profile_scope(cast.store_a), pytest.raises(AnalysisError) as caught:
        analyze(make_provider(fake, sleeps, api_key="wrong-key"), bbb, tmp_path)

    assert caught.value.retryable is False
    assert caught.value.message.startswith("Gemini key rejected")
    assert len(fake.state.calls) == 1 and sleeps == []


@pytest.mark.parametrize("status", [401, 403])
def test_it_reports_auth_failures_as_a_rejected_key(cast, fake, bbb, tmp_path, status):
    fake.state.fail_next(status)
    with profile_scope(cast.store_a), pytest.raises(AnalysisError, match="Gemini key rejected") as caught:
        analyze(make_provider(fake), bbb, tmp_path)
    assert caught.value.retryable is False


def test_it_does_not_retry_a_bad_request(cast, fake, bbb, tmp_path):
    fake.state.expected_context = "a context we never send"
    with profile_scope(cast.store_a), pytest.raises(AnalysisError) as caught:
        analyze(make_provider(fake), bbb, tmp_path)
    assert caught.value.retryable is False
    assert "Gemini refused the request (400" in caught.value.message
    assert len(fake.state.calls) == 1


@pytest.mark.parametrize("kind", ["not_json", "wrong_shape", "outside"])
def test_it_raises_malformed_answers_as_such(cast, fake, bbb, tmp_path, kind):
    fake.state.malformed_next(kind)
    with profile_scope(cast.store_a), pytest.raises(MalformedAnswer):
        analyze(make_provider(fake), bbb, tmp_path)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("not_json", "not JSON"), ("wrong_shape", "no 'segments' list"), ("outside", "outside the 30.0 s video")],
)
def test_it_falls_back_to_local_analysis_on_a_malformed_answer(cast, fake, bbb, tmp_path, kind, reason):
    fake.state.malformed_next(kind)
    progress: list[float] = []
    with profile_scope(cast.store_a):
        result = analyze_with_fallback(
            make_provider(fake), video_path=bbb, duration=BBB_SECONDS, workdir=tmp_path / "ws",
            context_text=CONTEXT, job_id=uuid.uuid4(), on_progress=progress.append,
        )  # fmt: skip
        providers = sorted(CostEntry.objects.values_list("provider", flat=True))

    assert result.provider == "local"
    assert result.notes[0].startswith("Gemini's answer was malformed (")
    assert reason in result.notes[0] and result.notes[0].endswith("used local analysis instead")
    assert len(result.segments) >= 4
    assert providers == ["gemini", "local"]  # the malformed answer was still billed
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_it_does_not_hide_provider_failures_behind_the_fallback(cast, fake, bbb, tmp_path):
    fake.state.fail_next(429, times=10)
    with profile_scope(cast.store_a), pytest.raises(AnalysisError) as caught:
        analyze_with_fallback(
            make_provider(fake, max_retries=1), video_path=bbb, duration=BBB_SECONDS, workdir=tmp_path / "ws"
        )
    assert caught.value.retryable is True and "429" in caught.value.message
    with profile_scope(cast.store_a):
        assert not CostEntry.objects.exists()  # no local analysis ran in its place


def test_it_stops_between_requests_when_cancelled(cast, fake, bbb, tmp_path):
    with profile_scope(cast.store_a), pytest.raises(ff.Cancelled):
        analyze(make_provider(fake, batch_frames=4), bbb, tmp_path, should_cancel=lambda: len(fake.state.calls) >= 2)
    assert len(fake.state.calls) == 2


def test_it_refuses_a_model_without_a_price_before_calling(cast, fake, bbb, tmp_path):
    with profile_scope(cast.store_a), pytest.raises(AnalysisError, match="no price for gemini model 'gemini-9'"):
        analyze(make_provider(fake, model="gemini-9"), bbb, tmp_path)
    assert fake.state.calls == []


def test_it_needs_a_profile_scope_to_record_its_costs(fake, bbb, tmp_path):
    with pytest.raises(ScopeError):
        analyze(make_provider(fake), bbb, tmp_path)
    assert fake.state.calls == []


def test_the_fake_refuses_requests_without_frames_or_schema(fake):
    client = genai.Client(api_key=API_KEY, http_options=types.HttpOptions(base_url=fake.url, timeout=5000))
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.5-flash", contents=f"{CONTEXT} Pick the best moments.")
    assert caught.value.code == 400 and "no inline JPEG frames" in caught.value.message
    parts = [
        types.Part.from_text(text=f"{CONTEXT} Frame at 1.0 s:"),
        types.Part.from_bytes(data=b"\xff\xd8\xff\xe0 not really", mime_type="image/jpeg"),
    ]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.5-flash", contents=parts)
    assert "responseMimeType must be application/json" in caught.value.message
