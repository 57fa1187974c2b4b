"""The price table and the arithmetic of provider costs, all in Decimal.

Prices come from settings.COST_PRICES with EDITAI_PRICES_JSON deep-merged over it. A paid
provider without a price for the requested model is an error, never a silent zero: an install
that starts using a new model must say what it costs.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

CENT_MILLIONTH = Decimal("0.000001")  # the ledger's precision (DecimalField decimal_places=6)
FREE_PROVIDERS = frozenset({"local", "espeak"})

# The keys each paid provider's model prices take; required ones first, then optional ones.
PRICE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "elevenlabs": (("per_1k_characters",), ("character_multiplier",)),
    "gemini": (("input_per_million", "output_per_million"), ()),
}
# Other shapes a provider's model may be priced in: ElevenLabs' speech to text bills audio time.
OTHER_PRICE_KEYS: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = {
    "elevenlabs": ((("per_audio_hour",), ()),),
}

# Analysis estimate: Gemini bills an image as 258 input tokens; the prompt and the structured
# answer (thinking included, billed as output) get a generous allowance, as the estimate guards
# a budget and must not come in low.
GEMINI_TOKENS_PER_IMAGE = 258
ANALYSIS_PROMPT_TOKENS = 2_000
ANALYSIS_OUTPUT_TOKENS = 8_192

PriceTable = dict[str, dict[str, dict[str, Decimal]]]


class UnknownPrice(ValueError):
    """No price is configured for a paid provider's model (or the provider is unknown)."""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, bool):
        raise ImproperlyConfigured(f"price {where} must be a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ImproperlyConfigured(f"price {where} must be a number, got {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ImproperlyConfigured(f"price {where} must be a non-negative number, got {value!r}")
    return number


def _validated(raw: object) -> PriceTable:
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("the price table must be an object of provider -> model -> prices")
    table: PriceTable = {}
    for provider, models in raw.items():
        if not isinstance(models, dict):
            raise ImproperlyConfigured(f"prices of {provider!r} must be an object of model -> prices")
        table[provider] = {}
        for model, prices in models.items():
            where = f"{provider}.{model}"
            if not isinstance(prices, dict):
                raise ImproperlyConfigured(f"prices of {where} must be an object")
            required, optional = PRICE_KEYS.get(provider, ((), None))
            for other_required, other_optional in OTHER_PRICE_KEYS.get(provider, ()):
                if set(other_required) & set(prices):  # e.g. a model priced per audio hour
                    required, optional = other_required, other_optional
            missing = [key for key in required if key not in prices]
            if missing:
                raise ImproperlyConfigured(f"prices of {where} lack {missing}")
            if optional is not None:
                unknown = sorted(set(prices) - set(required) - set(optional))
                if unknown:
                    raise ImproperlyConfigured(f"prices of {where} have unknown keys {unknown}")
            table[provider][model] = {key: _decimal(value, f"{where}.{key}") for key, value in prices.items()}
    return table


@cache
def price_table() -> PriceTable:
    """The effective table, validated once (and again whenever a test overrides the settings)."""
    override: dict[str, Any] = {}
    if settings.COST_PRICES_JSON.strip():
        try:
            # Floats in the JSON would carry binary noise into Decimal; read them as Decimal.
            override = json.loads(settings.COST_PRICES_JSON, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(f"EDITAI_PRICES_JSON is not valid JSON: {exc}") from None
        if not isinstance(override, dict):
            raise ImproperlyConfigured("EDITAI_PRICES_JSON must be a JSON object of provider -> model -> prices")
    try:
        return _validated(_merge(settings.COST_PRICES, override))
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"bad price table (COST_PRICES / EDITAI_PRICES_JSON): {exc}") from None


@receiver(setting_changed)
def _forget_prices(*, setting: str, **kwargs: object) -> None:
    if setting in ("COST_PRICES", "COST_PRICES_JSON"):
        price_table.cache_clear()


def model_prices(*, provider: str, model: str) -> dict[str, Decimal]:
    models = price_table().get(provider)
    if models is None:
        raise UnknownPrice(f"no prices for provider {provider!r}; known: {sorted(price_table())}")
    if model not in models:
        raise UnknownPrice(
            f"no price for {provider} model {model!r}; known: {sorted(models)}. "
            "Add it to EDITAI_PRICES_JSON before using it."
        )
    return models[model]


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT_MILLIONTH, rounding=ROUND_HALF_UP)


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def elevenlabs_cost(*, model: str, characters: int) -> Decimal:
    prices = model_prices(provider="elevenlabs", model=model)
    if "per_1k_characters" not in prices:
        raise UnknownPrice(f"elevenlabs model {model!r} is not priced per character (not a speech model)")
    billed = Decimal(_count(characters, "characters")) * prices.get("character_multiplier", Decimal(1))
    return _money(billed * prices["per_1k_characters"] / 1000)


def elevenlabs_transcription_cost(*, model: str, seconds: float) -> Decimal:
    """Speech to text, billed on the audio's length."""
    prices = model_prices(provider="elevenlabs", model=model)
    if "per_audio_hour" not in prices:
        raise UnknownPrice(f"elevenlabs model {model!r} is not priced per audio hour (not a transcription model)")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ValueError(f"seconds must be a non-negative number, got {seconds!r}")
    return _money(Decimal(str(seconds)) * prices["per_audio_hour"] / 3600)


def gemini_cost(*, model: str, input_tokens: int, output_tokens: int, thinking_tokens: int = 0) -> Decimal:
    """Thinking tokens are billed at the output rate."""
    prices = model_prices(provider="gemini", model=model)
    billed_output = _count(output_tokens, "output_tokens") + _count(thinking_tokens, "thinking_tokens")
    amount = (
        Decimal(_count(input_tokens, "input_tokens")) * prices["input_per_million"]
        + Decimal(billed_output) * prices["output_per_million"]
    )
    return _money(amount / 1_000_000)


def cost_for(*, provider: str, model: str, units: dict[str, Any]) -> Decimal:
    """The cost of a call from its raw units, as the ledger records it."""
    if provider in FREE_PROVIDERS:
        return Decimal("0.000000")
    if provider == "elevenlabs":
        if "seconds" in units and "characters" not in units:
            return elevenlabs_transcription_cost(model=model, seconds=units["seconds"])
        return elevenlabs_cost(model=model, characters=units.get("characters", 0))
    if provider == "gemini":
        return gemini_cost(
            model=model,
            input_tokens=units.get("input_tokens", 0),
            output_tokens=units.get("output_tokens", 0),
            thinking_tokens=units.get("thinking_tokens", 0),
        )
    raise UnknownPrice(f"no pricing rule for provider {provider!r}")


def estimate_tts(*, provider: str, model: str, characters: int) -> Decimal:
    return cost_for(provider=provider, model=model, units={"characters": characters})


def estimate_transcription(*, provider: str, model: str, seconds: float) -> Decimal:
    if provider in FREE_PROVIDERS:
        return Decimal("0.000000")
    return cost_for(provider=provider, model=model, units={"seconds": seconds})


def estimate_analysis(*, model: str, frames: int, provider: str = "gemini") -> Decimal:
    if provider in FREE_PROVIDERS:
        return Decimal("0.000000")
    if provider != "gemini":
        raise UnknownPrice(f"no analysis pricing for provider {provider!r}")
    return gemini_cost(
        model=model,
        input_tokens=_count(frames, "frames") * GEMINI_TOKENS_PER_IMAGE + ANALYSIS_PROMPT_TOKENS,
        output_tokens=ANALYSIS_OUTPUT_TOKENS,
    )
