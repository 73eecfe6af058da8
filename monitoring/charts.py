"""Bar charts as SVG geometry, drawn by templates/monitoring/charts.html#bar_chart.

Server-rendered: no chart library, no script, no inline style (the CSP stays strict); colours
come from classes in rapport.css. Each chart carries a title and a description for screen
readers (role="img"), each bar a tooltip, and the pages keep a table with the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from monitoring.selectors import Chart

Number = int | float | Decimal

WIDTH, HEIGHT = 480, 170
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 12, 28  # room for the value axis and the time axis
MAX_X_LABELS = 6


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Number | None
    label: str  # the tooltip: "Tue 2026-12-01: 12"


@dataclass
class Tick:
    position: float  # x for the time axis, y for the value axis
    label: str


@dataclass
class BarChart:
    key: str  # unique on the page: ids of the title and description
    title: str
    description: str
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    x_title: str = ""
    empty: bool = False  # nothing above zero: the chart says "No data yet"
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom: int = field(default=HEIGHT - BOTTOM)
    right: int = field(default=WIDTH - RIGHT)

    @property
    def middle(self) -> tuple[float, float]:
        """The plot's centre, where an empty chart says so."""
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2


def nice_ceiling(peak: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `peak` (1 for nothing)."""
    if peak <= 0:
        return 1
    power = 10 ** math.floor(math.log10(peak))
    for step in (1, 2, 5, 10):
        if step * power >= peak * (1 - 1e-9):
            return step * power
    return 10 * power


def bar_chart(
    points: Sequence[tuple[str, str, Number | None]],
    *,
    key: str,
    title: str,
    description: str,
    fmt: Callable[[Number], str],
    x_title: str = "",
    x_label_every: int | None = None,
) -> BarChart:
    """One bar per point (axis label, tooltip label, value); None draws no bar (nothing measured).

    The value axis runs from 0 to a round number at or above the peak, labelled at 0, half and
    the top; the time axis labels at most MAX_X_LABELS points, always the last one."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [float(value) for _, _, value in points if value is not None]
    top = nice_ceiling(max(values, default=0))
    slot = plot_width / max(len(points), 1)
    bars = []
    for index, (_, label, value) in enumerate(points):
        height = 0.0 if value is None else float(value) / top * plot_height
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(max(slot * 0.7, 1), 2),
                height=round(height, 2),
                value=value,
                label=f"{label}: {'no data' if value is None else fmt(value)}",
            )
        )
    every = x_label_every or max(1, math.ceil(len(points) / MAX_X_LABELS))
    last = len(points) - 1
    x_ticks = [
        Tick(round(LEFT + (index + 0.5) * slot, 2), axis_label)
        for index, (axis_label, _, _) in enumerate(points)
        if (last - index) % every == 0
    ]
    empty = not any(values)
    y_ticks = [
        Tick(round(TOP + plot_height * (1 - share), 2), fmt(_as_type(top * share, points)))
        for share in ((0, 0.5, 1) if not empty else ())
    ]
    return BarChart(key, title, description, bars, x_ticks, y_ticks, x_title, empty)


def _as_type(value: float, points: Sequence) -> Number:
    """Axis labels in the values' own kind: whole numbers for counts, Decimal for money."""
    kinds = {type(point[2]) for point in points if point[2] is not None}
    if kinds == {Decimal}:
        return Decimal(str(value))
    if kinds <= {int} and float(value).is_integer():
        return int(value)
    return value


# --- The dashboard --------------------------------------------------------------------------


def minute_chart(chart: Chart) -> BarChart:
    """The dashboard's messages per minute: a time label every quarter hour, now on the right."""
    points = []
    for minute, count in chart.minutes:
        label = f"{timezone.localtime(minute):%H:%M}"
        points.append((label, label, count))
    return bar_chart(
        points,
        key="minutes",
        title="Messages per minute, last 60 minutes",
        description=(
            f"{points[0][0]} to {points[-1][0]}: {chart.total_messages} messages in all, "
            f"at most {chart.peak} in one minute."
        ),
        fmt=lambda value: f"{value:,}",
        x_title=f"time in {timezone.get_current_timezone_name()}, now on the right",
        x_label_every=15,
    )


# --- The daily page --------------------------------------------------------------------------


def _day_points(days: Sequence, attribute: str) -> list[tuple[str, str, Number | None]]:
    return [
        (f"{d.day:%b} {d.day.day}", f"{d.day:%a %Y-%m-%d}", getattr(d, attribute)) for d in days
    ]


def _summary(days: Sequence, attribute: str, what: str, fmt: Callable[[Number], str]) -> str:
    """The chart in one sentence: the range, the total or the measured days, the highest day."""
    measured = [d for d in days if getattr(d, attribute) is not None]
    span = f"{days[0].day:%Y-%m-%d} to {days[-1].day:%Y-%m-%d}" if days else "no days"
    if not measured or not any(getattr(d, attribute) for d in measured):
        return f"{what}, {span}: none yet."
    top = max(measured, key=lambda d: getattr(d, attribute))
    return (
        f"{what}, {span}: highest {fmt(getattr(top, attribute))} on {top.day:%a %Y-%m-%d}; "
        f"{len(measured)} of {len(days)} days have a value. The table below has every day."
    )


def daily_charts(days: Sequence) -> list[BarChart]:
    """Sessions, messages, cost and first-token p95 per day, oldest day on the left."""
    from monitoring.templatetags.monitoring import seconds, thousands
    from sessions_app.money import usd

    specs = [
        ("sessions", "sessions_created", "Sessions created per day", thousands),
        ("messages", "messages_sent", "Messages sent per day (student turns)", thousands),
        ("cost", "cost", "Cost per day (USD)", usd),
        ("first-token", "first_token_p95_ms", "Time to first token per day, p95", seconds),
    ]
    return [
        bar_chart(
            _day_points(days, attribute),
            key=key,
            title=title,
            description=_summary(days, attribute, title, fmt),
            fmt=fmt,
            x_title="days in the site's time zone",
        )
        for key, attribute, title, fmt in specs
    ]
