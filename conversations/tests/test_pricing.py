from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from conversations.llm.base import Usage
from conversations.llm.pricing import (
    DEFAULT_MIN_CACHEABLE_TOKENS,
    PRICES,
    UnknownModelError,
    check_model_configured,
    cost_of,
    min_cacheable_tokens,
    prices_for,
)

ONE_MILLION = 1_000_000


def test_it_prices_each_kind_of_token_at_its_own_rate():
    usage = Usage(
        input_tokens=ONE_MILLION,
        cache_write_tokens=ONE_MILLION,
        cache_read_tokens=ONE_MILLION,
        output_tokens=ONE_MILLION,
    )
    assert cost_of(usage, "claude-haiku-4-5") == Decimal("1") + Decimal("1.25") + Decimal(
        "0.10"
    ) + Decimal("5")


def test_it_prices_cache_writes_at_the_five_minute_rate():
    usage = Usage(cache_write_tokens=ONE_MILLION)
    assert cost_of(usage, "claude-sonnet-4-6") == Decimal("3.75")


def test_it_is_exact_at_fractions_of_a_cent():
    usage = Usage(input_tokens=1234, cache_read_tokens=5678, output_tokens=91)
    expected = (
        1234 * Decimal("0.10") + 5678 * Decimal("0.01") + 91 * Decimal("0.50")
    ) / ONE_MILLION
    assert cost_of(usage, "claude-haiku-5-5") == expected == Decimal("0.00022568")


def test_it_costs_nothing_for_no_tokens():
    assert cost_of(Usage(), "claude-opus-4-8") == 0


def test_the_table_holds_exactly_the_supported_models():
    assert set(PRICES) == {
        "claude-haiku-5-5",
        "claude-haiku-4-5",
        "claude-sonnet-4-5",
        "claude-sonnet-4-6",
        "claude-opus-4-5",
        "claude-opus-4-6",
        "claude-opus-4-7",
        "claude-opus-4-8",
    }
    assert all(
        isinstance(price, Decimal) for row in PRICES.values() for price in vars(row).values()
    )


def test_it_prices_a_dated_snapshot_like_its_model():
    assert prices_for("claude-sonnet-4-5-20250929") == PRICES["claude-sonnet-4-5"]


def test_it_refuses_to_guess_the_price_of_an_unknown_model():
    with pytest.raises(UnknownModelError):
        cost_of(Usage(input_tokens=1), "claude-unknown-1")


def test_it_prices_the_configured_model_from_llm_model_prices(settings):
    settings.LLM_MODEL = "claude-future-9"
    settings.LLM_MODEL_PRICES = "2, 2.5, 4, 0.2, 10"
    usage = Usage(input_tokens=ONE_MILLION, output_tokens=ONE_MILLION)
    assert cost_of(usage, "claude-future-9") == Decimal("12")


def test_the_default_configuration_passes_the_start_check():
    check_model_configured()


def test_the_start_check_names_llm_model_for_a_model_without_prices(settings):
    settings.LLM_MODEL = "claude-future-9"
    settings.LLM_MODEL_PRICES = ""
    with pytest.raises(ImproperlyConfigured, match="LLM_MODEL 'claude-future-9'"):
        check_model_configured()


def test_the_start_check_accepts_a_new_model_with_prices(settings):
    settings.LLM_MODEL = "claude-future-9"
    settings.LLM_MODEL_PRICES = "2,2.5,4,0.2,10"
    check_model_configured()


@pytest.mark.parametrize("prices", ["1,2,3", "a,b,c,d,e", "1,1.25,2,-0.1,5", "1,1.25,2,0.1,NaN"])
def test_the_start_check_names_llm_model_prices_when_malformed(settings, prices):
    settings.LLM_MODEL = "claude-future-9"
    settings.LLM_MODEL_PRICES = prices
    with pytest.raises(ImproperlyConfigured, match="LLM_MODEL_PRICES"):
        check_model_configured()


def test_the_start_check_refuses_prices_for_a_model_already_in_the_table(settings):
    settings.LLM_MODEL = "claude-haiku-5-5"
    settings.LLM_MODEL_PRICES = "1,1,1,1,1"
    with pytest.raises(ImproperlyConfigured, match="LLM_MODEL_PRICES"):
        check_model_configured()


def test_the_start_check_names_llm_model_when_empty(settings):
    settings.LLM_MODEL = ""
    with pytest.raises(ImproperlyConfigured, match="LLM_MODEL"):
        check_model_configured()


def test_the_app_runs_the_start_check_when_django_starts(settings):
    from django.apps import apps

    settings.LLM_MODEL = "claude-future-9"
    settings.LLM_MODEL_PRICES = ""
    with pytest.raises(ImproperlyConfigured, match="LLM_MODEL"):
        apps.get_app_config("conversations").ready()


@pytest.mark.parametrize(
    ("model", "minimum"),
    [
        ("claude-haiku-4-5", 4096),
        ("claude-sonnet-4-5", 1024),
        ("claude-sonnet-4-6", 1024),
        ("claude-opus-4-5", 4096),
        ("claude-opus-4-8", 4096),
        ("claude-haiku-5-5", DEFAULT_MIN_CACHEABLE_TOKENS),
    ],
)
def test_it_knows_the_minimum_cacheable_prompt_of_each_model(model, minimum):
    assert min_cacheable_tokens(model) == minimum


def test_an_unpublished_minimum_can_be_chosen_by_the_caller():
    assert min_cacheable_tokens("claude-haiku-5-5", default=1024) == 1024
    assert min_cacheable_tokens("claude-haiku-4-5", default=1024) == 4096


def test_the_start_check_names_llm_coder_model_for_a_model_without_prices(settings):
    settings.LLM_CODER_MODEL = "claude-coder-9"
    with pytest.raises(ImproperlyConfigured, match="LLM_CODER_MODEL 'claude-coder-9'"):
        check_model_configured()


def test_the_start_check_accepts_a_coder_model_from_the_table(settings):
    settings.LLM_CODER_MODEL = "claude-haiku-4-5"
    check_model_configured()
