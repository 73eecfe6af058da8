"""The one money format: what people read (usd) and what files carry (money_text)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from sessions_app.money import money_text, usd

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0.0002957", "$0.000296"),  # read $0.0002957 and $0.000295 (cut) before
        ("0.0002955", "$0.000296"),  # half up
        ("0.0001918000", "$0.000192"),  # read $0.0001918000 before
        ("0.0031", "$0.003100"),  # read $0.0031 before
        ("0.00017", "$0.000170"),
        ("0", "$0.000000"),
        ("0E-10", "$0.000000"),
    ],
)
def test_an_amount_under_a_cent_reads_with_six_decimals_rounded_not_cut(amount, shown):
    assert usd(Decimal(amount)) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0.01", "$0.0100"),
        ("0.03125", "$0.0313"),
        ("0.99994", "$0.9999"),
        ("1", "$1.00"),
        ("12.345", "$12.35"),
        ("1234.5", "$1,234.50"),
    ],
)
def test_four_decimals_from_a_cent_and_two_from_a_dollar_up(amount, shown):
    assert usd(Decimal(amount)) == shown


def test_an_amount_that_rounds_up_to_the_next_tier_reads_in_that_tier():
    assert usd(Decimal("0.0099999")) == "$0.0100"
    assert usd(Decimal("0.99995")) == "$1.00"


def test_every_kind_of_number_reads_the_same_and_nothing_reads_as_a_dash():
    assert usd("0.0002957000") == usd(Decimal("0.0002957")) == usd(0.0002957) == "$0.000296"
    assert usd(0) == "$0.000000"
    assert usd(None) == "\N{EN DASH}"


@pytest.mark.parametrize(
    ("amount", "text"),
    [("0E-10", "0"), ("0.0001234500", "0.00012345"), ("100.0000000000", "100"), (None, "0")],
)
def test_files_carry_the_exact_amount_without_exponent_or_padding(amount, text):
    value = None if amount is None else Decimal(amount)
    assert money_text(value) == text
    assert Decimal(text) == (value or 0)


def _sources(pattern: str) -> list[Path]:
    return [path for path in PROJECT.glob(pattern) if ".venv" not in path.parts]


def test_no_template_or_module_formats_money_on_its_own():
    """Every figure a person reads goes through usd(): no "$" glued to a value anywhere else."""
    offenders = []
    for path in _sources("templates/**/*.html"):
        text = path.read_text()
        if re.search(r"\$\{\{|cost[\w.]*\|floatformat", text):
            offenders.append(str(path))
    for path in _sources("*/**/*.py"):
        if "tests" in path.parts or path.name == "money.py":
            continue
        if re.search(r"f[\"'][^\"'\n]*\$\{", path.read_text()):
            offenders.append(str(path))
    assert offenders == []
