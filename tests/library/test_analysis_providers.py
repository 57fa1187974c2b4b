"""Choosing an analysis provider, the shared segment rules, and reading Gemini's answers."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from costs.pricing import estimate_analysis
from library.media.analysis import sample_times
from library.providers.analysis import (
    AnalysisError,
    GeminiAnalysisProvider,
    LocalAnalysisProvider,
    MalformedAnswer,
    ScoredSegment,
    batches_for,
    frames_for,
    get_analysis_provider,
)
from library.providers.analysis.base import normalize_segments
from library.providers.analysis.gemini_prompt import parse_answer


def test_it_picks_local_without_a_gemini_key(settings):
    settings.GEMINI_API_KEY = ""
    assert isinstance(get_analysis_provider(), LocalAnalysisProvider)
    assert get_analysis_provider().name == "local"


def test_it_picks_gemini_when_a_key_is_set(settings):
    settings.GEMINI_API_KEY = "a-key"
    settings.GEMINI_MODEL = "gemini-2.5-pro"
    provider = get_analysis_provider()
    assert isinstance(provider, GeminiAnalysisProvider)
    assert (provider.name, provider.model, provider.api_key) == ("gemini", "gemini-2.5-pro", "a-key")
    assert isinstance(get_analysis_provider("local"), LocalAnalysisProvider)


def test_it_refuses_gemini_without_a_key(settings):
    settings.GEMINI_API_KEY = ""
    with pytest.raises(AnalysisError, match="set GEMINI_API_KEY") as caught:
        get_analysis_provider("gemini")
    assert caught.value.retryable is False


def test_it_rejects_unknown_provider_names():
    with pytest.raises(ValueError, match="unknown analysis provider 'openai'"):
        get_analysis_provider("openai")


def test_frames_for_follows_the_sampling_rule_of_about_one_frame_per_two_seconds(settings):
    settings.GEMINI_BATCH_FRAMES = 16
    assert frames_for(30.003) == len(sample_times(30.003)) == 15
    assert frames_for(0.4) == 1
    assert frames_for(0) == 0
    assert frames_for(600) == 300 and batches_for(600) == 19
    assert sample_times(10.0) == [1.0, 3.0, 5.0, 7.0, 9.0]
    # The estimate the budget check uses grows with the frames sent.
    assert (
        estimate_analysis(model="gemini-2.5-flash", frames=frames_for(600))
        > estimate_analysis(model="gemini-2.5-flash", frames=frames_for(30))
        > Decimal(0)
    )


def test_normalize_segments_clamps_sorts_and_resolves_overlaps():
    segments = normalize_segments(
        [
            ScoredSegment(8.0, 14.0, 120.0, "past the end", ("a", "a")),
            ScoredSegment(-2.0, 3.0, 50.0, "before the start"),
            ScoredSegment(2.0, 6.0, 80.0, "overlaps the one before"),
            ScoredSegment(5.0, 5.0, 99.0, "empty"),
            ScoredSegment(7.0, 6.0, 99.0, "inverted"),
            ScoredSegment(math.nan, 3.0, 99.0, "not a number"),
            ScoredSegment(3.0, 4.0, 10.0, "inside a better one"),
        ],
        duration=10.0,
    )
    assert [(s.start, s.end, s.score, s.description) for s in segments] == [
        (0.0, 2.0, 50.0, "before the start"),  # kept its free part; the better one keeps 2-6
        (2.0, 6.0, 80.0, "overlaps the one before"),
        (8.0, 10.0, 100.0, "past the end"),
    ]
    assert segments[-1].tags == ("a",)


def test_parse_answer_reads_well_formed_segments():
    text = (
        '{"segments": [{"start": 1, "end": 4.5, "score": 72, "description": " Shoe on mud. ",'
        ' "tags": ["Product", " ", 3, "closeup"]}, {"start": 29.8, "end": 30.4, "score": 40,'
        ' "description": "end", "tags": []}]}'
    )
    first, last = parse_answer(text, duration=30.0)
    assert first == ScoredSegment(1.0, 4.5, 72.0, "Shoe on mud.", ("product", "closeup"))
    assert last.end == 30.4  # within the tolerance; normalize_segments clamps it


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("Here you go: 1-5 s", "not JSON"),
        ('[{"start": 1, "end": 2}]', "no 'segments' list"),
        ('{"segments": "1-5"}', "no 'segments' list"),
        ('{"segments": [3]}', "segment 1 is not an object"),
        ('{"segments": [{"start": "1", "end": 2, "score": 5}]}', "no numeric 'start'"),
        ('{"segments": [{"start": 1, "end": 2, "score": true}]}', "no numeric 'score'"),
        ('{"segments": [{"start": 1, "end": 45, "score": 5}]}', "outside the 30.0 s video"),
        ('{"segments": [{"start": 5, "end": 2, "score": 5}]}', "ends (2 s) before it starts"),
    ],
)
def test_parse_answer_calls_unusable_answers_malformed(text, reason):
    with pytest.raises(MalformedAnswer, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_answer(text, duration=30.0)
