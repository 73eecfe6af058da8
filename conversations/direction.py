"""The private direction's tag name, different for every session.

A student who could guess the tag could write text the model takes for the engine's own
direction; a name derived from the session id with the site's secret key cannot be guessed, yet
needs nothing stored: every turn of a session (and every process) derives the same name. The
system prompt describes the tag generically, so it stays identical for every session of a card
and keeps its cache.
"""

import hashlib
import hmac
from uuid import UUID

from django.conf import settings

from clients.prompts import DIRECTION_TAG

SUFFIX_HEX_CHARS = 10


def direction_tag(session_id: UUID | str) -> str:
    """`direction-` and 10 hex characters of an HMAC of the session id under SECRET_KEY."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), str(session_id).encode(), hashlib.sha256
    ).hexdigest()
    return f"{DIRECTION_TAG}-{digest[:SUFFIX_HEX_CHARS]}"
