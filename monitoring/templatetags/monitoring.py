from django import template

from monitoring import charts
from monitoring.selectors import Chart

register = template.Library()
NONE = "\N{EN DASH}"  # shown where there is nothing to measure yet
# Money is formatted by the builtin `usd` filter (sessions_app/money.py), not here.


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


@register.filter
def minute_chart(chart: Chart) -> charts.BarChart:
    """The dashboard's minute counts as SVG geometry for monitoring/charts.html#bar_chart."""
    return charts.minute_chart(chart)
