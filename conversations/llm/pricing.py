"""What a call costs, and how long a prompt must be before the API will cache it.

Prices are USD per million tokens, in one dated table. A model missing from the table can still
run when settings.LLM_MODEL_PRICES gives its prices; anything else fails at start
(`check_model_configured`, called from ConversationsConfig.ready).
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from conversations.llm.base import Usage

TOKENS_PER_PRICE_UNIT = Decimal(1_000_000)


@dataclass(frozen=True)
class ModelPrices:
    """USD per million tokens."""

    input: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal
    output: Decimal


def _prices(
    input: str, cache_write_5m: str, cache_write_1h: str, cache_read: str, output: str
) -> ModelPrices:
    return ModelPrices(
        Decimal(input),
        Decimal(cache_write_5m),
        Decimal(cache_write_1h),
        Decimal(cache_read),
        Decimal(output),
    )


# Source: Anthropic's pricing page (platform.claude.com/docs/en/about-claude/pricing) and, for
# Haiku 5.5, the launch prices. Change the date whenever a row changes.
PRICES_CHECKED_ON = date(2026, 11, 25)
PRICES: dict[str, ModelPrices] = {
    "claude-haiku-5-5": _prices("0.10", "0.125", "0.20", "0.01", "0.50"),
    "claude-haiku-4-5": _prices("1", "1.25", "2", "0.10", "5"),
    "claude-sonnet-4-5": _prices("3", "3.75", "6", "0.30", "15"),
    "claude-sonnet-4-6": _prices("3", "3.75", "6", "0.30", "15"),
    "claude-opus-4-5": _prices("5", "6.25", "10", "0.50", "25"),
    "claude-opus-4-6": _prices("5", "6.25", "10", "0.50", "25"),
    "claude-opus-4-7": _prices("5", "6.25", "10", "0.50", "25"),
    "claude-opus-4-8": _prices("5", "6.25", "10", "0.50", "25"),
}

# The shortest prefix (tokens, up to and including a cache_control breakpoint) the API caches;
# a breakpoint on a shorter prefix is silently ignored. Haiku 5.5's minimum is not published, so
# it gets DEFAULT_MIN_CACHEABLE_TOKENS: benchmarks and the fake server take other values to
# measure how much the unknown matters.
DEFAULT_MIN_CACHEABLE_TOKENS = 2048
MIN_CACHEABLE_TOKENS: dict[str, int] = {
    "claude-haiku-4-5": 4096,
    "claude-sonnet-4-5": 1024,
    "claude-sonnet-4-6": 1024,
    "claude-opus-4-5": 4096,
    "claude-opus-4-6": 4096,
    "claude-opus-4-7": 4096,
    "claude-opus-4-8": 4096,
}

PRICE_FIELDS = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")
# Responses may name a dated snapshot ("claude-sonnet-4-5-20250929") of a model in the table.
_SNAPSHOT_SUFFIX = re.compile(r"-\d{8}$")


class UnknownModelError(LookupError):
    pass


def table_name(model: str) -> str:
    return _SNAPSHOT_SUFFIX.sub("", model)


def parse_model_prices(raw: str) -> ModelPrices:
    """Read "input,cache_write_5m,cache_write_1h,cache_read,output" (USD per million tokens)."""
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) != len(PRICE_FIELDS):
        raise ValueError(f"expected {len(PRICE_FIELDS)} prices ({','.join(PRICE_FIELDS)})")
    try:
        values = [Decimal(part) for part in parts]
    except InvalidOperation:
        raise ValueError("every price must be a decimal number") from None
    if any(not value.is_finite() or value < 0 for value in values):
        raise ValueError("prices cannot be negative")
    return ModelPrices(*values)


def prices_for(model: str) -> ModelPrices:
    name = table_name(model)
    if name in PRICES:
        return PRICES[name]
    if settings.LLM_MODEL_PRICES and name == table_name(settings.LLM_MODEL):
        return parse_model_prices(settings.LLM_MODEL_PRICES)
    raise UnknownModelError(f"No prices for model {model!r}.")


def cost_of(usage: Usage, model: str) -> Decimal:
    """Exact cost in USD. Cache writes are priced at the 5-minute rate: the app caches for 5."""
    prices = prices_for(model)
    micro_dollars = (
        usage.input_tokens * prices.input
        + usage.cache_write_tokens * prices.cache_write_5m
        + usage.cache_read_tokens * prices.cache_read
        + usage.output_tokens * prices.output
    )
    return micro_dollars / TOKENS_PER_PRICE_UNIT


def min_cacheable_tokens(model: str, *, default: int = DEFAULT_MIN_CACHEABLE_TOKENS) -> int:
    return MIN_CACHEABLE_TOKENS.get(table_name(model), default)


def check_model_configured() -> None:
    """Fail at start, naming the setting, when the configured model could not be priced."""
    _check_coder_model()
    model = settings.LLM_MODEL
    custom_prices = settings.LLM_MODEL_PRICES
    if not model:
        raise ImproperlyConfigured(
            "LLM_MODEL is empty; set it to a model such as claude-haiku-5-5."
        )
    known = ", ".join(PRICES)
    if table_name(model) in PRICES:
        if custom_prices:
            raise ImproperlyConfigured(
                f"LLM_MODEL_PRICES is set, but LLM_MODEL {model!r} is in the pricing table "
                "(conversations/llm/pricing.py); unset LLM_MODEL_PRICES so costs come from "
                "one place."
            )
        return
    if not custom_prices:
        raise ImproperlyConfigured(
            f"LLM_MODEL {model!r} is not in the pricing table ({known}). Choose one of those, "
            "or give its prices in LLM_MODEL_PRICES as "
            f"{','.join(PRICE_FIELDS)} (USD per million tokens)."
        )
    try:
        parse_model_prices(custom_prices)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"LLM_MODEL_PRICES {custom_prices!r} is malformed: {error}. Write "
            f"{','.join(PRICE_FIELDS)} in USD per million tokens, e.g. 1,1.25,2,0.10,5."
        ) from None


def _check_coder_model() -> None:
    coder_model = getattr(settings, "LLM_CODER_MODEL", "")
    if coder_model and table_name(coder_model) not in PRICES:
        raise ImproperlyConfigured(
            f"LLM_CODER_MODEL {coder_model!r} is not in the pricing table ({', '.join(PRICES)}); "
            "choose one of those, or leave it empty to code turns with the session's model."
        )
