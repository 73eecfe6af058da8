"""Usage limits, shared across processes through the cache (Redis in production).

Checked before a student turn is stored, so a refused turn stores nothing and the student's
text stays in the box. Counters are fixed windows (this minute, today), which is plenty here.
"""

from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


class LimitExceeded(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


MINUTE = 60
DAY = 24 * 3600


def _minute_key(name: str) -> str:
    return f"limit:{name}:{timezone.now():%Y%m%d%H%M}"


def _day_key(name: str) -> str:
    return f"limit:{name}:{timezone.localdate():%Y%m%d}"


def _count(key: str, amount: int, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout)
        return amount


def limits_check_turn(*, user_id: int, session_cost: Decimal) -> None:
    """Raise LimitExceeded when this turn would go over a limit; otherwise count it."""
    if session_cost >= settings.LIMIT_SESSION_COST_USD:
        raise LimitExceeded(
            "session_cost",
            "This session has reached its length limit. End it and start a new one to go on.",
        )
    if (cache.get(_day_key(f"tokens:{user_id}")) or 0) >= settings.LIMIT_USER_DAILY_TOKENS:
        raise LimitExceeded(
            "daily_tokens",
            "You have reached today's practice limit. It resets tomorrow; your session is saved.",
        )
    if (cache.get(_minute_key("global-tokens")) or 0) >= settings.LIMIT_GLOBAL_TOKENS_PER_MINUTE:
        raise LimitExceeded(
            "global_tokens", "Rapport is very busy right now. Wait a minute and send again."
        )
    if _count(_minute_key(f"messages:{user_id}"), 1, MINUTE) > settings.LIMIT_MESSAGES_PER_MINUTE:
        raise LimitExceeded(
            "user_rate",
            "You are sending messages faster than a conversation allows. Wait a moment and "
            "send again.",
        )
    if (
        _count(_minute_key("global-requests"), 1, MINUTE)
        > settings.LIMIT_GLOBAL_REQUESTS_PER_MINUTE
    ):
        raise LimitExceeded(
            "global_rate", "Rapport is very busy right now. Wait a minute and send again."
        )


def limits_record_tokens(*, user_id: int, tokens: int) -> None:
    if tokens:
        _count(_day_key(f"tokens:{user_id}"), tokens, DAY)
        _count(_minute_key("global-tokens"), tokens, MINUTE)
