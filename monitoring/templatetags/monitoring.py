from decimal import Decimal

from django import template

register = template.Library()
NONE = "\N{EN DASH}"  # shown where there is nothing to measure yet


@register.filter
def usd(value: Decimal | int | float | None, places: int = 6) -> str:
    """Dollars to a fraction of a cent: a reply costs about $0.00005."""
    if value is None:
        return NONE
    return f"${Decimal(value):,.{int(places)}f}"


@register.filter
def seconds(milliseconds: int | None) -> str:
    if milliseconds is None:
        return NONE
    return f"{milliseconds / 1000:.2f} s"


@register.filter
def percent(fraction: float | None) -> str:
    if fraction is None:
        return NONE
    return f"{fraction * 100:.1f}%"


@register.filter
def thousands(value: int | None) -> str:
    return NONE if value is None else f"{value:,}"
