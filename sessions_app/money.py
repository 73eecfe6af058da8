"""Money as people read it and as files carry it: the one place that formats a dollar amount.

People read `usd()`: rounded half up (never cut) to
- six decimals under a cent (a reply costs about $0.000296),
- four decimals from a cent to a dollar (a long session: $0.0312),
- two decimals, with thousands separators, from a dollar up (a month of a class: $1,234.56).
The tier is chosen after rounding, so $0.0099999 reads $0.0100, not $0.010000.

Files read `money_text()`: the exact amount as a plain decimal string without trailing zeros
("0", "0.0001234567"), never the "0E-10" that str() gives for a zero with ten places.

Sums read `money()`: a database sum (or nothing) back as a Decimal at the model's ten places.
"""

from decimal import ROUND_HALF_UP, Decimal

NONE = "\N{EN DASH}"  # shown where there is no amount at all
CENT = Decimal("0.01")
DOLLAR = Decimal(1)
# (below this rounded amount, show this many decimals); from a dollar up, two.
TIERS = ((CENT, 6), (DOLLAR, 4))
# The places of every money column (sessions_app.models.MONEY).
MONEY_PLACES = Decimal("1e-10")


def _rounded(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def usd(amount: Decimal | int | float | str | None) -> str:
    """A dollar amount for people: "$0.000296", "$0.0312", "$1,234.56"; an en dash for None."""
    if amount is None or amount == "":
        return NONE
    value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    for bound, places in TIERS:
        rounded = _rounded(value, places)
        if abs(rounded) < bound:
            break
    else:
        rounded = _rounded(value, 2)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,f}"


def money_text(amount: Decimal | int | None) -> str:
    """The exact amount for a file: "0", "0.0001234567", "12.5" (no exponent, no padding)."""
    value = Decimal(amount or 0).normalize()
    return f"{value:f}" if value else "0"


def money(value: Decimal | None) -> Decimal:
    """Sums come back with the database's precision (SQLite: many places); keep the model's."""
    return (value or Decimal(0)).quantize(MONEY_PLACES)
