"""Brute-force limits on logging in, shared by the site's login and the admin's.

Only failed attempts count, so a class of 200 behind one NAT address can all log in at once.
Three fixed-window counters, in the cache (Redis in production, so every process shares them):

- failures for one username from one address: the tight limit a guesser meets first;
- failures for one username from anywhere: a higher ceiling, so spreading guesses over many
  addresses does not multiply them, while failures made elsewhere do not lock out the owner
  until that ceiling;
- failures from one address for any username: a much higher ceiling against password spraying.

The username is keyed as authentication sees it (stripped, NFKC, and case-folded on top), so
"  bf2  " and its fullwidth spelling share one counter.
"""

import unicodedata

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import _get_ip, get_usage
from django_ratelimit.exceptions import Ratelimited

GROUP = "accounts.login"


def username_key(raw: str) -> str:
    """The username as a counter key: what authentication would match, and case-folded."""
    return unicodedata.normalize("NFKC", (raw or "").strip()).casefold()


def _limits(username: str, address: str) -> list[tuple[str, str, str]]:
    """(counter name, key, rate) for each limit this attempt falls under. A blank username
    falls under the address's limit only."""
    per_address = ("address", address, f"{settings.LOGIN_FAILURES_PER_ADDRESS}/m")
    if not username:
        return [per_address]
    return [
        (
            "username-address",
            f"{username}\x00{address}",
            f"{settings.LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS}/m",
        ),
        ("username", username, f"{settings.LOGIN_FAILURES_PER_USERNAME}/h"),
        per_address,
    ]


def _usage(request: HttpRequest, name: str, key: str, rate: str, *, increment: bool) -> dict | None:
    return get_usage(
        request,
        group=f"{GROUP}.{name}",
        key=lambda group, request: key,
        rate=rate,
        increment=increment,
    )


def login_check(request: HttpRequest, raw_username: str) -> None:
    """Raise Ratelimited (a 429 page) when any counter has used up its failures."""
    username, address = username_key(raw_username), _get_ip(request)
    for name, key, rate in _limits(username, address):
        usage = _usage(request, name, key, rate, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            raise Ratelimited()


def login_failure_record(request: HttpRequest, raw_username: str) -> None:
    """Count one failed attempt on every counter it belongs to."""
    username, address = username_key(raw_username), _get_ip(request)
    for name, key, rate in _limits(username, address):
        _usage(request, name, key, rate, increment=True)
