from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from costs import pricing
from costs.pricing import UnknownPrice


def test_it_prices_elevenlabs_per_thousand_characters() -> None:
    assert pricing.elevenlabs_cost(model="eleven_multilingual_v2", characters=1000) == Decimal("0.300000")
    assert pricing.elevenlabs_cost(model="eleven_v3", characters=2500) == Decimal("0.750000")
    assert pricing.elevenlabs_cost(model="eleven_multilingual_v2", characters=1) == Decimal("0.000300")


def test_it_bills_flash_and_turbo_models_half_the_characters() -> None:
    assert pricing.elevenlabs_cost(model="eleven_flash_v2_5", characters=1000) == Decimal("0.150000")
    assert pricing.elevenlabs_cost(model="eleven_turbo_v2_5", characters=1000) == Decimal("0.150000")


def test_it_prices_gemini_per_million_tokens_with_thinking_at_the_output_rate() -> None:
    assert pricing.gemini_cost(model="gemini-2.5-flash", input_tokens=1_000_000, output_tokens=0) == Decimal("0.3")
    assert pricing.gemini_cost(model="gemini-2.5-pro", input_tokens=0, output_tokens=1_000_000) == Decimal("10")
    # (1000 x 0.30 + (200 + 300) x 2.50) / 1e6: thinking is billed like output.
    cost = pricing.gemini_cost(model="gemini-2.5-flash", input_tokens=1000, output_tokens=200, thinking_tokens=300)
    assert cost == Decimal("0.001550")
    lite = pricing.gemini_cost(model="gemini-2.5-flash-lite", input_tokens=10_000, output_tokens=10_000)
    assert lite == Decimal("0.005000")


def test_it_refuses_models_and_providers_without_a_price() -> None:
    with pytest.raises(UnknownPrice, match="eleven_imaginary"):
        pricing.elevenlabs_cost(model="eleven_imaginary", characters=10)
    with pytest.raises(UnknownPrice, match="gemini-9"):
        pricing.gemini_cost(model="gemini-9", input_tokens=1, output_tokens=1)
    with pytest.raises(UnknownPrice):
        pricing.cost_for(provider="openai", model="gpt", units={})
    with pytest.raises(UnknownPrice):
        pricing.estimate_tts(provider="elevenlabs", model="", characters=10)


def test_local_providers_cost_nothing() -> None:
    assert pricing.cost_for(provider="espeak", model="", units={"characters": 10_000}) == 0
    assert pricing.estimate_tts(provider="espeak", model="", characters=10_000) == 0
    assert pricing.estimate_analysis(provider="local", model="", frames=500) == 0


def test_it_estimates_tts_and_analysis() -> None:
    assert pricing.estimate_tts(provider="elevenlabs", model="eleven_flash_v2_5", characters=2000) == Decimal("0.3")
    # 10 frames x 258 tokens + the prompt allowance, plus the output allowance, at flash prices.
    expected = (Decimal(10 * 258 + 2000) * Decimal("0.30") + Decimal(8192) * Decimal("2.50")) / 1_000_000
    assert pricing.estimate_analysis(model="gemini-2.5-flash", frames=10) == expected.quantize(Decimal("0.000001"))
    assert pricing.estimate_analysis(model="gemini-2.5-flash", frames=100) > pricing.estimate_analysis(
        model="gemini-2.5-flash", frames=10
    )


def test_it_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="characters"):
        pricing.elevenlabs_cost(model="eleven_v3", characters=-1)
    with pytest.raises(ValueError, match="input_tokens"):
        pricing.gemini_cost(model="gemini-2.5-flash", input_tokens=1.5, output_tokens=0)  # type: ignore[arg-type]


@override_settings(
    COST_PRICES_JSON='{"gemini": {"gemini-2.5-flash": {"output_per_million": 3.1}, '
    '"gemini-3-flash": {"input_per_million": "0.5", "output_per_million": "3"}}}'
)
def test_the_environment_override_is_deep_merged() -> None:
    table = pricing.price_table()
    assert table["gemini"]["gemini-2.5-flash"] == {
        "input_per_million": Decimal("0.30"),
        "output_per_million": Decimal("3.1"),  # exact: JSON floats are read as Decimal
    }
    assert table["gemini"]["gemini-2.5-pro"]["output_per_million"] == Decimal("10.00")
    assert table["elevenlabs"]["eleven_flash_v2_5"]["character_multiplier"] == Decimal("0.5")
    assert pricing.gemini_cost(model="gemini-3-flash", input_tokens=1_000_000, output_tokens=0) == Decimal("0.5")


def test_overrides_do_not_outlive_their_settings() -> None:
    with override_settings(COST_PRICES_JSON='{"elevenlabs": {"eleven_v3": {"per_1k_characters": "1"}}}'):
        assert pricing.elevenlabs_cost(model="eleven_v3", characters=1000) == Decimal("1")
    assert pricing.elevenlabs_cost(model="eleven_v3", characters=1000) == Decimal("0.3")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"gemini": {"gemini-2.5-flash": {"output_per_million": "cheap"}}}', "must be a number"),
        ('{"gemini": {"gemini-2.5-flash": {"output_per_million": -1}}}', "non-negative"),
        ('{"gemini": {"gemini-2.5-flash": {"output_per_milion": 1}}}', "unknown keys"),
        ('{"gemini": {"gemini-new": {"input_per_million": 1}}}', "lack"),
        ('{"elevenlabs": []}', "must be an object"),
    ],
)
def test_a_bad_override_is_improperly_configured(raw: str, message: str) -> None:
    with override_settings(COST_PRICES_JSON=raw), pytest.raises(ImproperlyConfigured, match=message):
        pricing.price_table()


def test_a_bad_override_stops_the_start_up() -> None:
    with override_settings(COST_PRICES_JSON="{oops"), pytest.raises(ImproperlyConfigured):
        apps.get_app_config("costs").ready()


def test_it_prices_elevenlabs_transcription_per_audio_hour() -> None:
    assert pricing.elevenlabs_transcription_cost(model="scribe_v1", seconds=3600) == Decimal("0.400000")
    assert pricing.cost_for(provider="elevenlabs", model="scribe_v1", units={"seconds": 90}) == Decimal("0.010000")
    assert pricing.estimate_transcription(provider="elevenlabs", model="scribe_v2", seconds=36) == Decimal("0.004")
    assert pricing.estimate_transcription(provider="local", model="tiny.en", seconds=3600) == 0
    with pytest.raises(UnknownPrice, match="not priced per audio hour"):
        pricing.elevenlabs_transcription_cost(model="eleven_multilingual_v2", seconds=10)
    with pytest.raises(UnknownPrice, match="not priced per character"):
        pricing.elevenlabs_cost(model="scribe_v1", characters=10)


def test_a_transcription_price_takes_only_its_own_keys() -> None:
    with (
        override_settings(
            COST_PRICES_JSON='{"elevenlabs": {"scribe_v9": {"per_audio_hour": 1, "per_1k_characters": 1}}}'
        ),
        pytest.raises(ImproperlyConfigured, match="unknown keys"),
    ):
        pricing.price_table()
    pricing.price_table.cache_clear()
