"""The reply stream: a planned reply streamed from the provider to every socket of the session.

Text is coalesced into batches, a failure before any text is retried once, and the reply is
finished (stored with its usage) or failed. Each reply passes the reply filter
(conversations/reply_guard.py) as it streams: once it leaks the prompt or steps out of the role,
nothing more of it is shown, and it is stored and shown as a short in-role deflection (what the
model said is kept for staff). A reply runs in its own task, not the socket's:
once started it runs to its end and is stored even if the student's socket closes (it is paid
for). The task registry lets ending the session cancel it; the partial text is then stored as
interrupted.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from channels.db import database_sync_to_async
from django.conf import settings

from conversations import limits
from conversations.engine.coding import log_reply, settle_coding, start_coding
from conversations.engine.turn import ReplyPlan
from conversations.llm import get_provider
from conversations.llm.base import ProviderError, StreamEnd, TextDelta, Usage
from conversations.llm.pricing import cost_of
from conversations.models import Message
from conversations.reply_guard import ReplyGuard, deflection
from conversations.services import reply_finish, reply_lease_renew

log = logging.getLogger(__name__)
# Replaced replies are recorded for staff by logging (monitoring stores the records): the engine
# does not import monitoring for it.
filter_log = logging.getLogger("conversations.engine")

Publish = Callable[[dict], Awaitable[None]]
COALESCE_SECONDS = 0.05
PROVIDER_FAILED = "The client could not answer just now. Your message is saved; try again."
INTERRUPTED = "The reply was cut off when the session ended."
REFUSED = "The client could not answer that. Try again, or put it another way."

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
    guard: ReplyGuard | None = None
    text: str = ""  # everything the model said
    shown: str = ""  # what was published: the text up to a leak
    leak: str | None = None  # why the filter stopped showing the reply
    usage: Usage = field(default_factory=Usage)
    first_token_ms: int | None = None

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def take(self, delta: str) -> bool:
        """Add streamed text; True when it may be shown (no leak so far, none in it)."""
        self.text += delta
        if self.leak is None and self.guard is not None:
            self.leak = self.guard.feed(delta)
        if self.leak is not None:
            return False
        self.shown += delta
        return True

    def check_end(self) -> None:
        """The stream has ended: its last word and sentence are checked too."""
        if self.leak is None and self.guard is not None:
            self.leak = self.guard.finish()


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
        # After a leak the rest is read but not shown: stopping the call would lose its usage,
        # and the session's cost and its cap must stay exact (at most LLM_MAX_TOKENS more).
        if progress.take(event.text):
            await publish({"type": "reply.delta", "message_id": reply_id, "text": event.text})
        if time.monotonic() > renew_at:
            renew_at = time.monotonic() + settings.REPLY_LEASE_SECONDS / 3
            renewed = await database_sync_to_async(reply_lease_renew)(
                message_id=plan.reply.id, content=progress.shown
            )
            if not renewed:
                raise ReplyStopped
    raise ProviderError("The stream ended without a result.", kind="incomplete", retryable=True)


# Logged from the database thread, not the event loop: monitoring's handler then writes the
# event there and then, in turn with the reply's own statements (monitoring/logging.py).
@database_sync_to_async
def _record_provider_error(plan: ReplyPlan, error: ProviderError, *, recovered: bool) -> None:
    log.log(
        logging.WARNING if recovered else logging.ERROR,
        "%s",
        error,
        extra={
            "event_kind": f"provider.{error.kind}",
            "session_id": plan.session_id,
            "user_id": plan.user_id,
            "status_code": error.status_code,
            "details": {
                "message_id": str(plan.reply.id),
                "retried": recovered,
                "model": plan.model,
            },
        },
    )


@database_sync_to_async
def _finish(
    plan: ReplyPlan, progress: ReplyProgress, status: str, *, content: str | None = None
) -> Decimal:
    """Store the reply; `content` replaces the model's text (a filtered reply's deflection).

    A filtered reply keeps what the model said for staff, and is recorded for them by a log
    record (monitoring stores it as an error event)."""
    cost = cost_of(progress.usage, plan.model)
    filtered = progress.leak is not None
    # What the student keeps: a leak never stays in the transcript, however the reply ended.
    stored = content if content is not None else _deflection(plan) if filtered else progress.shown
    reply_finish(
        message=plan.reply,
        content=stored,
        status=status,
        usage=progress.usage,
        cost=cost,
        first_token_ms=progress.first_token_ms,
        total_ms=progress.elapsed_ms(),
        original_content=progress.text if filtered else "",
        filtered_reason=progress.leak or "",
    )
    if status == Message.Status.COMPLETE:
        log_reply(plan.log, stored)
    limits.limits_record_tokens(user_id=plan.user_id, tokens=progress.usage.total)
    if filtered:
        _log_filtered(plan, progress)
    return cost


def _log_filtered(plan: ReplyPlan, progress: ReplyProgress) -> None:
    filter_log.warning(
        "A client reply was replaced by an in-role deflection: it %s.",
        progress.leak,
        extra={
            "event_kind": "reply.filtered",
            "session_id": plan.session_id,
            "user_id": plan.user_id,
            "details": {
                "message_id": str(plan.reply.id),
                "reason": progress.leak,
                "model": plan.model,
                "original_chars": len(progress.text),
            },
        },
    )


def _guard_for(plan: ReplyPlan) -> ReplyGuard | None:
    """The reply filter guards a model's words; the offline demo's lines are canned (and quote
    the card on purpose), so they pass unchecked."""
    if plan.leak_check is None or get_provider().is_demo:
        return None
    return ReplyGuard(plan.leak_check)


async def _run_reply(plan: ReplyPlan, publish: Publish, started: float) -> None:
    progress = ReplyProgress(started=started, guard=_guard_for(plan))
    await publish({"type": "reply.started", "message_id": str(plan.reply.id)})
    try:
        stop_reason = await _stream_with_one_retry(plan, progress, publish)
    except ProviderError as error:
        if progress.leak is not None:  # nothing after the leak was to be shown: the deflection
            await _complete(plan, progress, publish, _deflection(plan))  # stands as the reply
            return
        await _fail(plan, progress, publish, Message.Status.FAILED, error.kind, PROVIDER_FAILED)
        return
    except (asyncio.CancelledError, ReplyStopped):
        await _fail(plan, progress, publish, Message.Status.INTERRUPTED, "interrupted", INTERRUPTED)
        raise
    progress.check_end()
    if progress.leak is not None:
        await _complete(plan, progress, publish, _deflection(plan))
        return
    if stop_reason == "refusal" or not progress.text.strip():
        # An empty or refused reply cannot go back to the model as a turn; keep it as failed.
        error = ProviderError("The model refused or said nothing.", kind="refusal", retryable=True)
        await _record_provider_error(plan, error, recovered=False)
        await _fail(plan, progress, publish, Message.Status.FAILED, "refusal", REFUSED)
        return
    await _complete(plan, progress, publish, progress.text)


def _deflection(plan: ReplyPlan) -> str:
    """The in-role line a filtered reply is replaced by, in the client's register."""
    register = plan.leak_check.register if plan.leak_check is not None else "plain"
    return deflection(register, seed=str(plan.reply.id))


async def _complete(
    plan: ReplyPlan, progress: ReplyProgress, publish: Publish, content: str
) -> None:
    """Store the reply as complete with `content`, which reply.completed sends to every socket
    and which replaces the streamed text on the page (a filtered reply's leak disappears)."""
    cost = await _finish(plan, progress, Message.Status.COMPLETE, content=content)
    await publish(
        {
            "type": "reply.completed",
            "message_id": str(plan.reply.id),
            "content": content,
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


async def _run_reply_and_coder(plan: ReplyPlan, publish: Publish, started: float) -> None:
    """The reply, with the model coder beside it: started together, the coder awaited only
    once the reply is stored and published (first-token time is the reply's alone)."""
    coder = start_coding(plan.coding, get_provider())
    try:
        await _run_reply(plan, publish, started)
    except BaseException:
        await settle_coding(coder, cancel=True)
        raise
    # The reply is stored: nothing is left to interrupt, and ending the session now must not
    # cancel a coding call already paid for (its cost and codes would be lost).
    _forget(plan.session_id, asyncio.current_task())
    await settle_coding(coder, cancel=False)


def _forget(session_id: UUID, task: asyncio.Task | None) -> None:
    if _running.get(session_id) is task:
        del _running[session_id]


def start_reply(plan: ReplyPlan, publish: Publish, started: float) -> asyncio.Task:
    task = asyncio.create_task(_run_reply_and_coder(plan, publish, started))
    _running[plan.session_id] = task

    def forget(finished: asyncio.Task) -> None:
        _forget(plan.session_id, finished)
        error = None if finished.cancelled() else finished.exception()
        if error is not None and not isinstance(error, ReplyStopped):
            log.error("Reply task failed", exc_info=error)

    task.add_done_callback(forget)
    return task


def running_reply(session_id: UUID) -> asyncio.Task | None:
    return _running.get(session_id)
