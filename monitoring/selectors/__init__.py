"""Reads for the staff pages, one module per page area. Every function runs a fixed number of
queries, whatever the size of the tables: aggregates in the database, and Python only over
bounded slices. Selectors return data; monitoring.charts and the template tags draw and format
it. The public names are re-exported here, so `from monitoring import selectors` reads them all.
"""

from monitoring.selectors.daily import DAILY_CACHE_SECONDS, Day, daily_metrics, daily_totals
from monitoring.selectors.dashboard import (
    CHART_MINUTES,
    FAILED_STATUSES,
    LATENCY_SAMPLE,
    TOKEN_KINDS,
    Chart,
    Snapshot,
    Usage,
    dashboard_snapshot,
)
from monitoring.selectors.errors import error_events, error_groups
from monitoring.selectors.feedback import feedback_summary, quality_by_client
from monitoring.selectors.pilot import Goal, pilot_scorecard
from monitoring.selectors.sessions import (
    SessionFilter,
    message_counts,
    session_filter,
    session_log,
    sessions_filtered,
)
from monitoring.selectors.stats import average, percentile

__all__ = [
    "CHART_MINUTES",
    "DAILY_CACHE_SECONDS",
    "FAILED_STATUSES",
    "LATENCY_SAMPLE",
    "TOKEN_KINDS",
    "Chart",
    "Day",
    "Goal",
    "SessionFilter",
    "Snapshot",
    "Usage",
    "average",
    "daily_metrics",
    "daily_totals",
    "dashboard_snapshot",
    "error_events",
    "error_groups",
    "feedback_summary",
    "message_counts",
    "percentile",
    "pilot_scorecard",
    "quality_by_client",
    "session_filter",
    "session_log",
    "sessions_filtered",
]
