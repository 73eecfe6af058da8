from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_decimal, env_float, env_int, env_list, env_str

NAME = "RAPPORT_TEST_VARIABLE"


@pytest.fixture
def setenv(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    return lambda value: monkeypatch.setenv(NAME, value)


def test_env_str_strips_and_defaults(setenv):
    assert env_str(NAME, "fallback") == "fallback"
    setenv("  value \n")
    assert env_str(NAME, "fallback") == "value"


@pytest.mark.parametrize("word", ["1", "true", "TRUE", " yes ", "on"])
def test_env_bool_reads_true_words(setenv, word):
    setenv(word)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("word", ["0", "false", "No", "off", ""])
def test_env_bool_reads_false_words(setenv, word):
    setenv(word)
    assert env_bool(NAME, True) is False


def test_env_bool_uses_the_default_when_unset(setenv):
    assert env_bool(NAME, True) is True
    assert env_bool(NAME, False) is False


def test_env_bool_refuses_other_words_naming_the_variable(setenv):
    setenv("maybe")
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be true or false, not 'maybe'"):
        env_bool(NAME, True)


def test_env_int_reads_a_number(setenv):
    setenv(" 42 ")
    assert env_int(NAME, 7) == 42


def test_env_int_uses_the_default_when_unset_or_blank(setenv):
    assert env_int(NAME, 7) == 7
    setenv("  ")
    assert env_int(NAME, 7) == 7


@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", "12 people"])
def test_env_int_refuses_what_is_not_a_whole_number(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be a whole number"):
        env_int(NAME, 7)


def test_env_int_refuses_a_number_below_the_minimum(setenv):
    setenv("0")
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be at least 1, not 0"):
        env_int(NAME, 7, minimum=1)


def test_env_int_refuses_negative_numbers_by_default(setenv):
    setenv("-3")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int(NAME, 7)


def test_env_float_reads_a_number_or_the_default(setenv):
    assert env_float(NAME, 10.0) == 10.0
    setenv(" 2.5 ")
    assert env_float(NAME, 10.0) == 2.5


@pytest.mark.parametrize("raw", ["soon", "1,5", "nan", "inf"])
def test_env_float_refuses_what_is_not_a_finite_number(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be a number"):
        env_float(NAME, 10.0)


def test_env_float_refuses_a_number_below_the_minimum(setenv):
    setenv("0")
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be a number of at least 0.1"):
        env_float(NAME, 10.0, minimum=0.1)


def test_env_decimal_is_exact(setenv):
    setenv("0.1")
    assert env_decimal(NAME, "0.05") == Decimal("0.1")
    assert env_decimal("RAPPORT_UNSET_VARIABLE", "0.05") == Decimal("0.05")


@pytest.mark.parametrize("raw", ["lots", "NaN", "Infinity", "-0.01"])
def test_env_decimal_refuses_what_is_not_a_finite_amount(setenv, raw):
    setenv(raw)
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_decimal(NAME, "0.05")


def test_env_list_splits_on_commas_and_drops_blanks(setenv):
    assert env_list(NAME, ["default"]) == ["default"]
    setenv(" a.example ,b.example,, ")
    assert env_list(NAME, ["default"]) == ["a.example", "b.example"]


def test_env_choice_matches_without_case_and_returns_the_spelling(setenv):
    assert env_choice(NAME, "INFO", ["DEBUG", "INFO"]) == "INFO"
    setenv("debug")
    assert env_choice(NAME, "INFO", ["DEBUG", "INFO"]) == "DEBUG"


def test_env_choice_refuses_other_values_listing_the_choices(setenv):
    setenv("LOUD")
    expected = f"{NAME} must be one of DEBUG, INFO, not 'LOUD'"
    with pytest.raises(ImproperlyConfigured, match=expected):
        env_choice(NAME, "INFO", ["DEBUG", "INFO"])
