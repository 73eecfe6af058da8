"""Database writes for messages and their accounting. Sync functions; the engine calls them off
the loop."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conversations.llm.base import Usage
from conversations.models import Message
from sessions_app.models import PracticeSession


@transaction.atomic
def message_account(
    *,
    message: Message,
    input_tokens: int,
    output_tokens: int,
    cache_write_tokens: int,
    cache_read_tokens: int,
    cost: Decimal,
    **message_fields,
) -> None:
    """Add one provider call's usage to the message and its session, in one transaction.

    `message_fields` are set on the message in the same UPDATE (a reply's final text, status).
    """
    tokens = input_tokens + output_tokens + cache_write_tokens + cache_read_tokens
    usage = {
        "input_tokens": F("input_tokens") + input_tokens,
        "output_tokens": F("output_tokens") + output_tokens,
        "cache_write_tokens": F("cache_write_tokens") + cache_write_tokens,
        "cache_read_tokens": F("cache_read_tokens") + cache_read_tokens,
    }
    Message.objects.filter(pk=message.pk).update(
        **usage, **message_fields, token_count=F("token_count") + tokens, cost=F("cost") + cost
    )
    PracticeSession.objects.filter(pk=message.session_id).update(
        **usage, total_tokens=F("total_tokens") + tokens, estimated_cost=F("estimated_cost") + cost
    )


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
    original_content: str = "",
    filtered_reason: str = "",
) -> None:
    """Store the reply's final text, status and timings, and add its usage to the totals.

    A reply the filter replaced passes what the model said as `original_content` (for staff)
    and why as `filtered_reason`; `content` is then what the student was shown."""
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
        original_content=original_content,
        filtered_reason=filtered_reason,
    )


def replies_reap_orphans(*, session_id=None) -> int:
    """Mark replies whose process died (lease lapsed) as interrupted. Live leases are untouched."""
    orphans = Message.objects.filter(
        status=Message.Status.STREAMING, lease_expires_at__lt=timezone.now()
    )
    if session_id is not None:
        orphans = orphans.filter(session_id=session_id)
    return orphans.update(status=Message.Status.INTERRUPTED, lease_expires_at=None)
