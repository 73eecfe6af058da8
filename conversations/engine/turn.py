"""The turn transaction: lock the session, check the turn may be taken, store it with an empty
streaming reply, and plan the request for the reply stream.

Every turn runs on one thread that serves the whole process (Django's async ORM), so each
statement counts: a turn locks the session, reads its history once, then does every check on
what it read and writes the new rows in one INSERT, the session in one UPDATE and the turn's
state log in one INSERT (and, for a turn that looked like a real crisis, its safety flag in one
more INSERT).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from uuid import UUID

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clients.prompts import (
    ClientState,
    demo_metadata,
    system_prompt,
    turn_note,
    without_direction_tags,
)
from conversations import limits
from conversations.direction import direction_tag
from conversations.engine.coding import (
    TurnCoding,
    TurnLog,
    code_deterministically,
    last_client_text,
    log_turn,
    turn_log_for,
)
from conversations.llm.base import LLMRequest
from conversations.models import Message, TurnState
from conversations.reply_guard import LeakCheck, leak_check
from conversations.request_builder import api_messages, system_blocks, turns_from_rows
from conversations.safety import looks_like_real_crisis
from conversations.services import lease_deadline, replies_reap_orphans
from sessions_app.models import PracticeSession

log = logging.getLogger(__name__)

SIGNED_OUT = "Your account is no longer active, so this message was not sent. Ask your teacher."
TIME_UP = "Time is up: this session reached its time limit and has ended. It is saved."


class TurnRefused(Exception):
    """A frame the engine will not act on; the message is a plain sentence for the student."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ReplyPlan:
    session_id: UUID
    user_id: int
    reply: Message
    request: LLMRequest
    model: str
    leak_check: LeakCheck | None = None  # what the reply filter checks the reply against
    log: TurnLog | None = None  # the student turn's state log, finished with the reply
    coding: TurnCoding | None = None  # the model coder's call beside the reply (new turns)


class TimeUp(TurnRefused):
    def __init__(self) -> None:
        super().__init__("time_up", TIME_UP)


HISTORY_FIELDS = (
    "id",
    "sequence_number",
    "role",
    "status",
    "content",
    "client_msg_id",
    "lease_expires_at",
)


def _locked_session_and_history(session_id: UUID) -> tuple[PracticeSession, list]:
    """Lock the session row (appends take turns on it), then read its messages in order.

    The student's row comes in the same read, so every turn sees whether the account is still
    active at no extra query; only the session row is locked."""
    session = (
        PracticeSession.objects.select_for_update(of=("self",))
        .select_related("student")
        .get(pk=session_id)
    )
    history = list(
        Message.objects.filter(session_id=session_id)
        .order_by("sequence_number")
        .values_list(*HISTORY_FIELDS, named=True)
    )
    return session, history


def _refuse_unless_active(session: PracticeSession) -> None:
    if not session.student.is_active:
        raise TurnRefused("signed_out", SIGNED_OUT)
    if session.status != PracticeSession.Status.ACTIVE:
        raise TurnRefused("session_ended", "This session has ended. Start a new one to go on.")
    if session.time_is_up():
        raise TimeUp


def _refuse_if_replying(session_id: UUID, history: list) -> list:
    """Refuse while a reply streams; a reply whose process died (lease lapsed) is marked first.

    Returns the history as it now stands.
    """
    streaming = [row for row in history if row.status == Message.Status.STREAMING]
    now = timezone.now()
    if any(row.lease_expires_at is None or row.lease_expires_at >= now for row in streaming):
        raise TurnRefused(
            "reply_in_progress", "Wait for the client to finish replying, then send again."
        )
    if not streaming:
        return history
    replies_reap_orphans(session_id=session_id)
    reaped = {row.id for row in streaming}
    return [
        row._replace(status=Message.Status.INTERRUPTED) if row.id in reaped else row
        for row in history
    ]


class LimitRefused(TurnRefused):
    """Over a usage limit; recorded for staff once the turn's transaction has rolled back."""


def _check_limits(session: PracticeSession, user_id: int) -> None:
    try:
        limits.limits_check_turn(user_id=user_id, session_cost=session.estimated_cost)
    except limits.LimitExceeded as exceeded:
        raise LimitRefused(exceeded.code, exceeded.message) from None


def _record_limit(refused: LimitRefused, session_id: UUID, user_id: int) -> None:
    """For staff, by logging: on the database thread, after the rollback, so monitoring's
    handler writes it there and then; one counted event per window however often it repeats."""
    log.warning(
        "%s",
        refused.message,
        extra={
            "event_kind": f"limit.{refused.code}",
            "session_id": session_id,
            "user_id": user_id,
            "repeat": True,
        },
    )


def _recording_limits(accept: Callable) -> Callable:
    """Run `accept` (which holds a transaction) and record a limit hit after it rolled back."""

    def wrapped(session_id: UUID, user_id: int, *args):
        try:
            return accept(session_id, user_id, *args)
        except LimitRefused as refused:
            _record_limit(refused, session_id, user_id)
            raise

    return wrapped


def _store_with_reply(
    session: PracticeSession, history: list, new: list[Message], state: ClientState
) -> Message:
    """Store `new` and an empty streaming reply leased to this process, numbered after
    `history`, and the session's new client state; one INSERT and one UPDATE."""
    reply = Message(role=Message.Role.CLIENT, status=Message.Status.STREAMING)
    reply.lease_expires_at = lease_deadline()
    last_number = history[-1].sequence_number if history else 0
    for number, message in enumerate([*new, reply], start=last_number + 1):
        message.session, message.sequence_number = session, number
    Message.objects.bulk_create([*new, reply])
    # Message.timestamp is auto_now_add: the session's last activity reuses its clock.
    PracticeSession.objects.filter(pk=session.pk).update(
        client_state=state.to_json(), last_activity_at=reply.timestamp
    )
    return reply


def _plan_reply(
    session: PracticeSession,
    user_id: int,
    history: list,
    new: list[Message],
    state: ClientState,
    *,
    trust: int,
) -> ReplyPlan:
    """Store the turn's rows with a streaming reply and the client's new state, and build the
    request from the history; the reply is directed at `trust`."""
    reply = _store_with_reply(session, history, new, state)
    rows = [
        (role, status, without_direction_tags(content) if role == Message.Role.STUDENT else content)
        for role, status, content in [
            *((row.role, row.status, row.content) for row in history),
            *((message.role, message.status, message.content) for message in new),
        ]
    ]
    card = session.client_snapshot
    system = system_prompt(card)
    note = turn_note(card, trust=trust, turn=state.turn, tag=direction_tag(session.pk))
    request = LLMRequest(
        model=session.model,
        system=system_blocks(system, cache=settings.LLM_PROMPT_CACHING),
        messages=api_messages(
            turns_from_rows(rows),
            note=note,
            budget_tokens=settings.LLM_CONTEXT_TOKEN_BUDGET,
            cache=settings.LLM_PROMPT_CACHING,
        ),
        max_tokens=settings.LLM_MAX_TOKENS,
        # For the offline demo only (never sent): the voice, the risk stance, what is unlocked.
        metadata=demo_metadata(card, trust=trust),
    )
    check = leak_check(card, system_prompt=system, turn_note=note)
    return ReplyPlan(session.pk, user_id, reply, request, session.model, check)


@dataclass(frozen=True)
class AcceptedTurn:
    stored: list[Message]  # the student's turn, then a safety notice if one was shown
    plan: ReplyPlan | None  # None when the frame repeated a turn already stored


@database_sync_to_async
@_recording_limits
def accept_turn(session_id: UUID, user_id: int, content: str, client_msg_id: UUID) -> AcceptedTurn:
    with transaction.atomic():
        session, history = _locked_session_and_history(session_id)
        if any(row.client_msg_id == client_msg_id for row in history):
            # A frame sent again (a reconnect, or two sockets at once: the lock made them
            # take turns); the sender hears the turn as stored.
            repeated = Message.objects.get(session_id=session_id, client_msg_id=client_msg_id)
            return AcceptedTurn([repeated], None)
        _refuse_unless_active(session)
        history = _refuse_if_replying(session_id, history)
        _check_limits(session, user_id)
        stored = [Message(role=Message.Role.STUDENT, content=content, client_msg_id=client_msg_id)]
        if looks_like_real_crisis(content):
            stored.append(Message(role=Message.Role.SYSTEM, content=settings.SUPPORT_TEXT))
        card = session.client_snapshot
        before = ClientState.from_json(session.client_state, card=card)
        client_text = last_client_text(card, history)
        # Coded as the model reads it: a forged direction's hidden words earn no trust.
        heard = without_direction_tags(content)
        codes, after = code_deterministically(card, before, heard, client_text=client_text)
        # What this turn did moves trust for the next reply, not this one: the model coder
        # codes the turn beside its reply, and either coder must direct the client the same way.
        plan = _plan_reply(session, user_id, history, stored, after, trust=before.trust)
        turn_log, coding = log_turn(
            card=card,
            student=stored[0],
            user_id=user_id,
            model=session.model,
            before=before,
            after=after,
            codes=codes,
            client_text=client_text,
        )
        plan = replace(plan, log=turn_log, coding=coding)
        if len(stored) > 1:
            _record_safety_notice(stored[0])
    return AcceptedTurn(stored, plan)


def _record_safety_notice(turn: Message) -> None:
    """The institution's support text was shown outside the role-play: flag it for the teacher.

    The flag belongs to the session, not to the error events, so it is kept as long as the
    transcript is (docs/privacy.md)."""
    turn.safety_flags.create(session_id=turn.session_id)


@database_sync_to_async
@_recording_limits
def accept_retry(session_id: UUID, user_id: int) -> ReplyPlan:
    with transaction.atomic():
        session, history = _locked_session_and_history(session_id)
        _refuse_unless_active(session)
        history = _refuse_if_replying(session_id, history)
        turns = [row for row in history if row.role != Message.Role.SYSTEM]
        last = turns[-1] if turns else None
        if (
            last is None
            or last.role != Message.Role.CLIENT
            or last.status == Message.Status.COMPLETE
        ):
            raise TurnRefused("nothing_to_retry", "There is no failed reply to try again.")
        _check_limits(session, user_id)
        state = ClientState.from_json(session.client_state, card=session.client_snapshot)
        # The retried reply answers the last student turn, at the trust its first attempt had:
        # the trust before that turn, as its log kept it (the state has already moved on).
        student = next((row for row in reversed(turns) if row.role == Message.Role.STUDENT), None)
        trust = _trust_before(student.id) if student is not None else None
        trust = state.trust if trust is None else trust
        plan = _plan_reply(session, user_id, history, [], state, trust=trust)
        if student is None:
            return plan
        return replace(plan, log=turn_log_for(session.client_snapshot, student.id, trust))


def _trust_before(student_message_id: UUID) -> int | None:
    """The trust a student turn's reply was directed at; None for a turn logged before the
    state log existed."""
    return (
        TurnState.objects.filter(message_id=student_message_id)
        .values_list("trust_before", flat=True)
        .first()
    )
