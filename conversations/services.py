"""Database writes for the client's replies. Sync functions; the engine calls them off the loop."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from conversations.llm.base import Usage
from conversations.models import Message
from sessions_app.models import PracticeSession
from sessions_app.services import message_account


def lease_deadline():
    return timezone.now() + timedelta(seconds=settings.REPLY_LEASE_SECONDS)


def reply_lease_renew(*, message_id, content: str) -> bool:
    """Extend the lease and keep the text so far (a crash then loses at most one lease period).

    False when the reply should stop: the session ended or the row was reaped.
    """
    renewed = Message.objects.filter(
        pk=message_id,
        status=Message.Status.STREAMING,
        session__status=PracticeSession.Status.ACTIVE,
    ).update(lease_expires_at=lease_deadline(), content=content)
    return bool(renewed)


def reply_finish(
    *,
    message: Message,
    content: str,
    status: str,
    usage: Usage,
    cost: Decimal,
    first_token_ms: int | None,
    total_ms: int,
) -> None:
    """Store the reply's final text, status and timings, and add its usage to the totals."""
    message_account(
        message=message,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cost=cost,
        content=content,
        status=status,
        first_token_ms=first_token_ms,
        total_ms=total_ms,
        lease_expires_at=None,
    )


def replies_reap_orphans(*, session_id=None) -> int:
    """Mark replies whose process died (lease lapsed) as interrupted. Live leases are untouched."""
    orphans = Message.objects.filter(
        status=Message.Status.STREAMING, lease_expires_at__lt=timezone.now()
    )
    if session_id is not None:
        orphans = orphans.filter(session_id=session_id)
    return orphans.update(status=Message.Status.INTERRUPTED, lease_expires_at=None)
