"""Usage limits, shared across processes through the cache (Redis in production).

Checked before a student turn is stored, so a refused turn stores nothing and the student's
text stays in the box. Counters are fixed windows (this minute, today), which is plenty here.
"""

import contextlib
import time
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
    # Most counts open a window (the first frame of a second, the first turn of a minute): one
    # round trip to the cache for those, an add that fails and an incr for the rest.
    if cache.add(key, amount, timeout):
        return amount
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


# --- Sockets --------------------------------------------------------------------------------
#
# A flood guard across processes: how many sockets one user holds open, and how many frames they
# send a second over all of them. An open socket counts itself once in every SOCKET_BUCKET_SECONDS
# bucket (a heartbeat), so a socket lost with a killed process stops counting within two buckets;
# a plain counter would lock its user out after a crash or two.

SOCKET_BUCKET_SECONDS = 5
FRAME_WINDOW_TIMEOUT = 3


def socket_bucket(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // SOCKET_BUCKET_SECONDS)


def _sockets_key(user_id: int, bucket: int) -> str:
    return f"limit:sockets:{user_id}:{bucket}"


def socket_open(*, user_id: int) -> int | None:
    """Count a new socket for the user: the bucket it counted in, or None (and not counted) when
    they already hold SOCKETS_PER_USER. Sockets not yet counted in this bucket are in the last."""
    bucket = socket_bucket()
    key = _sockets_key(user_id, bucket)
    current = _count(key, 1, 3 * SOCKET_BUCKET_SECONDS)
    previous = cache.get(_sockets_key(user_id, bucket - 1)) or 0
    if max(current, previous + 1) > settings.SOCKETS_PER_USER:
        _uncount(key)
        return None
    return bucket


def socket_heartbeat(*, user_id: int) -> int:
    """An open socket counts itself in the bucket that just began; returns that bucket."""
    bucket = socket_bucket()
    _count(_sockets_key(user_id, bucket), 1, 3 * SOCKET_BUCKET_SECONDS)
    return bucket


def socket_closed(*, user_id: int, bucket: int) -> None:
    if bucket >= socket_bucket() - 1:
        _uncount(_sockets_key(user_id, bucket))


def seconds_to_next_bucket() -> float:
    return SOCKET_BUCKET_SECONDS - time.time() % SOCKET_BUCKET_SECONDS


def _uncount(key: str) -> None:
    with contextlib.suppress(ValueError):  # lapsed: nothing left to take back
        cache.decr(key)


def frame_allowed(*, user_id: int) -> bool:
    """Count a frame from the user; False over SOCKET_FRAMES_PER_SECOND across their sockets.

    A sliding window from two one-second counters: this second's, plus the last second's
    weighted by how much of it still falls within the past second."""
    now = time.time()
    second = int(now)
    current = _count(f"limit:frames:{user_id}:{second}", 1, FRAME_WINDOW_TIMEOUT)
    previous = cache.get(f"limit:frames:{user_id}:{second - 1}") or 0
    return current + previous * (1 - (now - second)) <= settings.SOCKET_FRAMES_PER_SECOND
