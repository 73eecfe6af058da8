"""Small statistics over bounded slices of rows, shared by the dashboard and the daily page."""

import math


def percentile(values: list[int], fraction: float) -> int | None:
    """Nearest-rank percentile of a list of integers; None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def average(values: list[int]) -> int | None:
    return round(sum(values) / len(values)) if values else None
