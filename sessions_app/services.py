"""The life of a practice session: start (previews too), append messages, end, abandon when idle."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from clients.cards import card_from_client
from clients.models import ClientPreview, ClientProfile
from clients.prompts import PROMPT_VERSION
from conversations.llm import provider_is_demo
from conversations.models import Message
from sessions_app.models import PracticeSession, SessionFeedback, SessionReflection


class SessionError(Exception):
    """A request that cannot be carried out; the message is a plain sentence for the user."""


class InvalidText(SessionError):
    pass


class SessionNotActive(SessionError):
    pass


def text_check(text: str) -> str:
    """Refuse text the database cannot store faithfully (PostgreSQL rejects NUL outright)."""
    if "\x00" in text:
        raise InvalidText("The message contains a NUL character, which cannot be saved.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidText(
            "The message contains broken characters, which cannot be saved."
        ) from None
    return text


def session_start(
    *,
    student: User,
    client: ClientProfile,
    kind: str = PracticeSession.Kind.PRACTICE,
    model: str | None = None,
    prompt_version: str = PROMPT_VERSION,
) -> PracticeSession:
    """A new active session on a snapshot of the client's card, recording the prompt version and
    whether its replies come from the demo provider, as they are at the start.

    `prompt_version` is for synthetic sessions only (load generator, benchmarks) to label theirs.
    """
    return PracticeSession.objects.create(
        student=student,
        client_profile=client,
        client_snapshot=card_from_client(client),
        kind=kind,
        model=model or settings.LLM_MODEL,
        prompt_version=prompt_version,
        demo_mode=provider_is_demo(),
    )


@transaction.atomic
def preview_start(*, client: ClientProfile, teacher: User) -> PracticeSession:
    """A teacher_test session marked as a preview, for the sample opening exchange."""
    session = session_start(student=teacher, client=client, kind=PracticeSession.Kind.TEACHER_TEST)
    ClientPreview.objects.create(session=session)
    return session


def message_append(
    *,
    session: PracticeSession,
    role: str,
    content: str,
    status: str = Message.Status.COMPLETE,
    client_msg_id: uuid.UUID | None = None,
) -> Message:
    """Store the next message of an active session, numbered right after the last one.

    The session row is locked first, so two appends that race take turns and the sequence
    stays contiguous (SQLite gets the same from its IMMEDIATE transactions).
    """
    # Checked before the transaction: refused text never takes SQLite's write lock.
    text_check(content)
    with transaction.atomic():
        locked = PracticeSession.objects.select_for_update().only("status").get(pk=session.pk)
        if locked.status != PracticeSession.Status.ACTIVE:
            raise SessionNotActive("This session has ended; start a new one to keep practising.")
        last = Message.objects.filter(session_id=session.pk).aggregate(last=Max("sequence_number"))
        message = Message.objects.create(
            session_id=session.pk,
            sequence_number=(last["last"] or 0) + 1,
            role=role,
            content=content,
            status=status,
            client_msg_id=client_msg_id,
        )
        # Message.timestamp is auto_now_add (a passed value would be ignored): reuse its clock.
        PracticeSession.objects.filter(pk=session.pk).update(last_activity_at=message.timestamp)
        return message


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


def session_end(
    *, session: PracticeSession, status: str = PracticeSession.Status.COMPLETED
) -> PracticeSession:
    """End an active session. Ending one that has already ended is a SessionNotActive error."""
    now = timezone.now()
    updated = PracticeSession.objects.filter(
        pk=session.pk, status=PracticeSession.Status.ACTIVE
    ).update(status=status, ended_at=now)
    if not updated:
        raise SessionNotActive("This session has already ended.")
    session.status, session.ended_at = status, now
    return session


def sessions_abandon_stale(*, idle_minutes: int | None = None) -> int:
    """Mark active sessions idle for longer than the setting as abandoned; returns how many."""
    if idle_minutes is None:
        idle_minutes = settings.SESSION_IDLE_MINUTES
    if idle_minutes < 1:
        # Zero or less would abandon every active session, including the ones in use right now.
        raise ValueError(f"idle_minutes must be at least 1, not {idle_minutes}.")
    idle = timedelta(minutes=idle_minutes)
    now = timezone.now()
    return PracticeSession.objects.filter(
        status=PracticeSession.Status.ACTIVE, last_activity_at__lt=now - idle
    ).update(status=PracticeSession.Status.ABANDONED, ended_at=now)


@transaction.atomic
def session_reflect(
    *, session: PracticeSession, reflection: dict[str, str], feedback: dict[str, object]
) -> None:
    """Save (or replace) the student's reflection and feedback on an ended session."""
    if session.status == PracticeSession.Status.ACTIVE:
        raise SessionError("End the session before writing a reflection.")
    SessionReflection.objects.update_or_create(session=session, defaults=reflection)
    SessionFeedback.objects.update_or_create(session=session, defaults=feedback)
