"""The conversation engine: a student turn in, a streamed client reply out.

The engine knows nothing of HTML or sockets. It receives frames already parsed by the consumer,
stores what must be stored, runs the reply and hands protocol events (the JSON shapes of
docs/protocol.md) to a `publish` callback that fans them out to every socket of the session.

A reply runs in its own task, not the socket's: once started it runs to its end and is stored
even if the student's socket closes (it is paid for). Ending the session cancels it; the partial
text is then stored as interrupted.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clients.prompts import (
    ClientState,
    state_after_turn,
    system_prompt,
    turn_note,
    without_direction_tags,
)
from conversations import limits
from conversations.context import api_messages, system_blocks, turns_from_rows
from conversations.llm import get_provider
from conversations.llm.base import LLMRequest, ProviderError, StreamEnd, TextDelta, Usage
from conversations.llm.pricing import cost_of
from conversations.models import Message
from conversations.safety import looks_like_real_crisis
from conversations.services import (
    lease_deadline,
    replies_reap_orphans,
    reply_finish,
    reply_lease_renew,
)
from monitoring.models import ErrorEvent
from monitoring.services import error_record, error_record_repeated
from sessions_app.models import PracticeSession
from sessions_app.services import SessionNotActive, session_end

log = logging.getLogger(__name__)

Publish = Callable[[dict], Awaitable[None]]
COALESCE_SECONDS = 0.05
PROVIDER_FAILED = "The client could not answer just now. Your message is saved; try again."
INTERRUPTED = "The reply was cut off when the session ended."
REFUSED = "The client could not answer that. Try again, or put it another way."
SIGNED_OUT = "Your account is no longer active, so this message was not sent. Ask your teacher."
TIME_UP = "Time is up: this session reached its time limit and has ended. It is saved."


class TurnRefused(Exception):
    """A frame the engine will not act on; the message is a plain sentence for the student."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def provider_is_demo() -> bool:
    return not settings.ANTHROPIC_API_KEY


def history_for_page(session: PracticeSession) -> list[Message]:
    return list(session.messages.order_by("sequence_number"))


def message_event(message: Message) -> dict:
    return {
        "type": "message",
        "message": {
            "id": str(message.id),
            "role": message.role,
            "content": message.content,
            "status": message.status,
            "sequence_number": message.sequence_number,
            "timestamp": message.timestamp.isoformat(),
            "client_msg_id": str(message.client_msg_id) if message.client_msg_id else None,
        },
    }


# --- Preparing a reply (one transaction per turn) -------------------------------------------
#
# Every turn runs on one thread that serves the whole process (Django's async ORM), so each
# statement counts: a turn locks the session, reads its history once, then does every check on
# what it read and writes the new rows in one INSERT and the session in one UPDATE.


@dataclass(frozen=True)
class ReplyPlan:
    session_id: UUID
    user_id: int
    reply: Message
    request: LLMRequest
    model: str


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
    error_record_repeated(
        kind=f"limit.{refused.code}",
        severity=ErrorEvent.Severity.WARNING,
        message=refused.message,
        session_id=session_id,
        user_id=user_id,
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
    session: PracticeSession, user_id: int, history: list, new: list[Message], state: ClientState
) -> ReplyPlan:
    """Store the turn's rows with a streaming reply and build the request from the history."""
    reply = _store_with_reply(session, history, new, state)
    rows = [
        (role, status, without_direction_tags(content) if role == Message.Role.STUDENT else content)
        for role, status, content in [
            *((row.role, row.status, row.content) for row in history),
            *((message.role, message.status, message.content) for message in new),
        ]
    ]
    card = session.client_snapshot
    request = LLMRequest(
        model=session.model,
        system=system_blocks(system_prompt(card), cache=settings.LLM_PROMPT_CACHING),
        messages=api_messages(
            turns_from_rows(rows),
            note=turn_note(card, trust=state.trust, turn=state.turn),
            budget_tokens=settings.LLM_CONTEXT_TOKEN_BUDGET,
            cache=settings.LLM_PROMPT_CACHING,
        ),
        max_tokens=settings.LLM_MAX_TOKENS,
        metadata={
            "client_name": card.get("name", ""),
            "communication_style": card.get("communication_style", "plain"),
            "presenting_problem": card.get("presenting_problem", ""),
        },
    )
    return ReplyPlan(session.pk, user_id, reply, request, session.model)


@dataclass(frozen=True)
class AcceptedTurn:
    stored: list[Message]  # the student's turn, then a safety notice if one was shown
    plan: ReplyPlan | None  # None when the frame repeated a turn already stored


@database_sync_to_async
@_recording_limits
def _accept_turn(session_id: UUID, user_id: int, content: str, client_msg_id: UUID) -> AcceptedTurn:
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
        state = state_after_turn(
            card, ClientState.from_json(session.client_state, card=card), content
        )
        plan = _plan_reply(session, user_id, history, stored, state)
        if len(stored) > 1:
            _record_safety_notice(session_id, user_id, stored[0])
    return AcceptedTurn(stored, plan)


def _record_safety_notice(session_id: UUID, user_id: int, turn: Message) -> None:
    """The institution's support text was shown outside the role-play: flag it for the teacher.

    The flag belongs to the session, not to the error events, so it is kept as long as the
    transcript is (docs/privacy.md)."""
    turn.safety_flags.create(session_id=session_id)


@database_sync_to_async
@_recording_limits
def _accept_retry(session_id: UUID, user_id: int) -> ReplyPlan:
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
        return _plan_reply(session, user_id, history, [], state)


# --- Running a reply ------------------------------------------------------------------------


_running: dict[UUID, asyncio.Task] = {}  # replies streaming in this process, by session


def _add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(
        input_tokens=a.input_tokens + b.input_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
        cache_write_tokens=a.cache_write_tokens + b.cache_write_tokens,
        cache_read_tokens=a.cache_read_tokens + b.cache_read_tokens,
    )


async def _coalesced(events: AsyncIterator) -> AsyncIterator:
    """The first text at once, later text at most COALESCE_SECONDS late, StreamEnd last.

    A pump task reads the provider into a queue, so waiting for the next flush never cancels
    a read from the provider's stream.
    """
    queue: asyncio.Queue = asyncio.Queue()
    done = object()

    async def pump() -> None:
        try:
            async for event in events:
                queue.put_nowait(event)
            queue.put_nowait(done)
        except Exception as error:  # handed to the reader, which raises it in its own task
            queue.put_nowait(error)

    pump_task = asyncio.create_task(pump())
    pending: list[str] = []
    flushed_at: float | None = None
    try:
        while True:
            wait = (
                None if not pending else max(0.0, flushed_at + COALESCE_SECONDS - time.monotonic())
            )
            try:
                async with asyncio.timeout(wait):
                    item = await queue.get()
            except TimeoutError:
                item = None
            if isinstance(item, TextDelta):
                pending.append(item.text)
                if flushed_at is not None and time.monotonic() - flushed_at < COALESCE_SECONDS:
                    continue
            if pending:
                yield TextDelta("".join(pending))
                pending, flushed_at = [], time.monotonic()
            if item is done:
                return
            if isinstance(item, StreamEnd):
                yield item
            elif isinstance(item, Exception):
                raise item
    finally:
        pump_task.cancel()


class ReplyStopped(Exception):
    """The lease could not be renewed: the session ended elsewhere or the row was reaped."""


@dataclass
class ReplyProgress:
    started: float
    text: str = ""
    usage: Usage = field(default_factory=Usage)
    first_token_ms: int | None = None

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


async def _stream_once(plan: ReplyPlan, progress: ReplyProgress, publish: Publish) -> str | None:
    """One provider call; returns the stop reason. Text is published as it arrives."""
    reply_id = str(plan.reply.id)
    renew_at = time.monotonic() + settings.REPLY_LEASE_SECONDS / 3
    async for event in _coalesced(get_provider().stream(plan.request)):
        if isinstance(event, StreamEnd):
            progress.usage = _add_usage(progress.usage, event.usage)
            return event.stop_reason
        if progress.first_token_ms is None:
            progress.first_token_ms = progress.elapsed_ms()
        progress.text += event.text
        await publish({"type": "reply.delta", "message_id": reply_id, "text": event.text})
        if time.monotonic() > renew_at:
            renew_at = time.monotonic() + settings.REPLY_LEASE_SECONDS / 3
            renewed = await database_sync_to_async(reply_lease_renew)(
                message_id=plan.reply.id, content=progress.text
            )
            if not renewed:
                raise ReplyStopped
    raise ProviderError("The stream ended without a result.", kind="incomplete", retryable=True)


@database_sync_to_async
def _record_provider_error(plan: ReplyPlan, error: ProviderError, *, recovered: bool) -> None:
    error_record(
        kind=f"provider.{error.kind}",
        severity=ErrorEvent.Severity.WARNING if recovered else ErrorEvent.Severity.CRITICAL,
        message=str(error),
        session_id=plan.session_id,
        user_id=plan.user_id,
        status_code=error.status_code,
        details={"message_id": str(plan.reply.id), "retried": recovered, "model": plan.model},
    )


@database_sync_to_async
def _finish(plan: ReplyPlan, progress: ReplyProgress, status: str) -> Decimal:
    cost = cost_of(progress.usage, plan.model)
    reply_finish(
        message=plan.reply,
        content=progress.text,
        status=status,
        usage=progress.usage,
        cost=cost,
        first_token_ms=progress.first_token_ms,
        total_ms=progress.elapsed_ms(),
    )
    limits.limits_record_tokens(user_id=plan.user_id, tokens=progress.usage.total)
    return cost


async def _run_reply(plan: ReplyPlan, publish: Publish, started: float) -> None:
    progress = ReplyProgress(started=started)
    await publish({"type": "reply.started", "message_id": str(plan.reply.id)})
    try:
        stop_reason = await _stream_with_one_retry(plan, progress, publish)
    except ProviderError as error:
        await _fail(plan, progress, publish, Message.Status.FAILED, error.kind, PROVIDER_FAILED)
        return
    except (asyncio.CancelledError, ReplyStopped):
        await _fail(plan, progress, publish, Message.Status.INTERRUPTED, "interrupted", INTERRUPTED)
        raise
    if stop_reason == "refusal" or not progress.text.strip():
        # An empty or refused reply cannot go back to the model as a turn; keep it as failed.
        error = ProviderError("The model refused or said nothing.", kind="refusal", retryable=True)
        await _record_provider_error(plan, error, recovered=False)
        await _fail(plan, progress, publish, Message.Status.FAILED, "refusal", REFUSED)
        return
    cost = await _finish(plan, progress, Message.Status.COMPLETE)
    await publish(
        {
            "type": "reply.completed",
            "message_id": str(plan.reply.id),
            "content": progress.text,
            "timestamp": plan.reply.timestamp.isoformat(),
            "token_count": progress.usage.total,
            "cost_usd": str(cost),
            "first_token_ms": progress.first_token_ms,
            "total_ms": progress.elapsed_ms(),
        }
    )


async def _fail(
    plan: ReplyPlan,
    progress: ReplyProgress,
    publish: Publish,
    status: str,
    code: str,
    message: str,
) -> None:
    """Store what was streamed with its usage, marked, and offer a retry unless interrupted."""
    await _finish(plan, progress, status)
    await publish(
        {
            "type": "reply.failed",
            "message_id": str(plan.reply.id),
            "error": {"code": code, "message": message},
            "retryable": status == Message.Status.FAILED,
        }
    )


async def _stream_with_one_retry(plan: ReplyPlan, progress: ReplyProgress, publish: Publish):
    """A failure before any text was shown is retried once; after that the partial is kept."""
    for attempt in (1, 2):
        try:
            return await _stream_once(plan, progress, publish)
        except ProviderError as error:
            progress.usage = _add_usage(progress.usage, error.usage)
            retry = attempt == 1 and error.retryable and not progress.text
            await _record_provider_error(plan, error, recovered=retry)
            if not retry:
                raise
    raise AssertionError("unreachable")


def _start_reply(plan: ReplyPlan, publish: Publish, started: float) -> asyncio.Task:
    task = asyncio.create_task(_run_reply(plan, publish, started))
    _running[plan.session_id] = task

    def forget(finished: asyncio.Task) -> None:
        if _running.get(plan.session_id) is finished:
            del _running[plan.session_id]
        error = None if finished.cancelled() else finished.exception()
        if error is not None and not isinstance(error, ReplyStopped):
            log.error("Reply task failed", exc_info=error)

    task.add_done_callback(forget)
    return task


# --- What the consumer calls ----------------------------------------------------------------


def _ending_when_time_is_up(accept: Callable[..., Awaitable]) -> Callable[..., Awaitable]:
    """Past the client's time limit no turn is taken: the session ends, every socket hears."""

    async def wrapped(*, session_id: UUID, publish: Publish, **kwargs):
        try:
            return await accept(session_id=session_id, publish=publish, **kwargs)
        except TimeUp:
            with contextlib.suppress(TurnRefused):  # ended by another tab meanwhile
                await end_session(session_id=session_id, publish=publish)
            raise

    return wrapped


@_ending_when_time_is_up
async def student_message(
    *, session_id: UUID, user_id: int, content: str, client_msg_id: UUID, publish: Publish
) -> list[dict]:
    """Store the turn and start the reply. Returns events for the sender only (a repeat)."""
    started = time.monotonic()
    accepted = await _accept_turn(session_id, user_id, content, client_msg_id)
    if accepted.plan is None:
        return [message_event(message) for message in accepted.stored]
    for message in accepted.stored:
        await publish(message_event(message))
    _start_reply(accepted.plan, publish, started)
    return []


@_ending_when_time_is_up
async def retry_reply(*, session_id: UUID, user_id: int, publish: Publish) -> None:
    started = time.monotonic()
    plan = await _accept_retry(session_id, user_id)
    _start_reply(plan, publish, started)


async def end_session(*, session_id: UUID, publish: Publish) -> None:
    """Stop a reply streaming here (stored as interrupted), end the session, tell every socket."""
    task = _running.get(session_id)
    if task is not None:
        task.cancel()  # it stores its partial text as interrupted and tells every socket
    session = await PracticeSession.objects.aget(pk=session_id)
    try:
        await database_sync_to_async(session_end)(session=session)
    except SessionNotActive as error:
        raise TurnRefused("session_ended", str(error)) from None
    await publish({"type": "session.ended", "status": session.status})


@database_sync_to_async
def history_events(session_id: UUID) -> list[dict]:
    """Everything stored, in order, for a socket that (re)connects; a live reply as started."""
    replies_reap_orphans(session_id=session_id)
    events = []
    for message in Message.objects.filter(session_id=session_id).order_by("sequence_number"):
        if message.status == Message.Status.STREAMING:
            events.append({"type": "reply.started", "message_id": str(message.id)})
        else:
            events.append(message_event(message))
    return events


async def wait_for_replies() -> None:
    """Let running replies finish (tests and graceful shutdown)."""
    await asyncio.gather(*list(_running.values()), return_exceptions=True)
