"""The state log of a turn and the model coder that runs beside its reply.

A student turn is coded twice over (issue 13, docs/prompts.md "The state log and the model
coder"):
- in the turn's transaction, by the deterministic coder: its codes move trust for the NEXT reply
  (a reply is directed at the trust before its turn) and are logged as a TurnState (source
  "deterministic");
- beside the reply, by the model (a forced tool call, when the provider has a model): its codes,
  once validated, replace the deterministic ones in the log and move trust for the NEXT turn.
  Invalid codes, a timeout or a failed call keep the deterministic codes, and staff hear of it.
The reply never waits for the coder: the call starts as the reply starts and is awaited only
after the reply has been stored and published.
"""

import asyncio
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from clients.prompts import (
    ClientState,
    code_turn,
    state_after_codes,
    unlocked_disclosures,
    without_direction_tags,
)
from clients.prompts.card import all_disclosures, keywords_of
from clients.prompts.coder_prompt import coder_system_prompt, coder_tool, coder_turn_text
from clients.prompts.skills import valid_codes
from conversations import limits
from conversations.llm.base import CodingRequest, CodingResult, ProviderError, Usage
from conversations.llm.pricing import cost_of
from conversations.models import Message
from conversations.services import (
    session_client_state_replace,
    turn_state_coded,
    turn_state_record,
    turn_state_voiced,
)

log = logging.getLogger("conversations.engine")

CODER_INVALID = "coder.invalid"
CODER_FAILED = "coder.failed"
RAW_CODES_SHOWN = 300  # characters of an invalid answer kept for staff

# Coders running in this process: asyncio keeps only a weak reference to a task, and a coder
# outlives its reply's place in the reply registry (it is left once the reply is stored, so
# ending the session does not cancel a call already paid for). Tests wait for them here.
running_coders: set[asyncio.Task] = set()


@dataclass(frozen=True)
class TurnLog:
    """What the reply needs to finish its turn's log: the disclosures open to it, by index into
    all_disclosures(card), each with the keywords that show it was voiced."""

    student_message_id: UUID
    unlocked: tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class TurnCoding:
    """The model coder's call for one turn, and what its answer needs to move trust."""

    session_id: UUID
    user_id: int
    turn_state_id: int
    request: CodingRequest
    card: dict[str, Any]
    state_before: ClientState
    turn: int  # the client state's turn count once this turn is taken


# --- In the turn's transaction (sync) ------------------------------------------------------


def code_deterministically(
    card: dict[str, Any], before: ClientState, student_text: str, *, client_text: str
) -> tuple[tuple[str, ...], ClientState]:
    """The deterministic coder's codes for the turn and the client state they lead to."""
    codes = tuple(code_turn(student_text, client_text=client_text))
    return codes, state_after_codes(card, before, codes)


def unlocked_indices(card: dict[str, Any], trust: int) -> list[int]:
    """Indices into all_disclosures(card) of those open to the client at `trust`."""
    open_now = unlocked_disclosures(card, trust)
    return [index for index, item in enumerate(all_disclosures(card)) if item in open_now]


def turn_log_for(card: dict[str, Any], student_message_id: UUID, trust: int) -> TurnLog:
    disclosures = all_disclosures(card)
    unlocked = tuple(
        (index, tuple(keywords_of(disclosures[index]))) for index in unlocked_indices(card, trust)
    )
    return TurnLog(student_message_id=student_message_id, unlocked=unlocked)


def log_turn(
    *,
    card: dict[str, Any],
    student: Message,
    user_id: int,
    model: str,
    before: ClientState,
    after: ClientState,
    codes: tuple[str, ...],
    client_text: str,
) -> tuple[TurnLog, TurnCoding]:
    """Store the turn's TurnState (one INSERT) and plan its model coder's call. The reply is
    directed at the trust before the turn, so what it may voice is what that trust unlocked."""
    turn_log = turn_log_for(card, student.pk, before.trust)
    turn_state = turn_state_record(
        message=student,
        turn=after.turn,
        trust_before=before.trust,
        trust_after=after.trust,
        codes=codes,
        unlocked=[index for index, _ in turn_log.unlocked],
    )
    coding = TurnCoding(
        session_id=student.session_id,
        user_id=user_id,
        turn_state_id=turn_state.pk,
        request=coding_request(
            model=settings.LLM_CODER_MODEL or model,
            client_text=client_text,
            student_text=without_direction_tags(student.content),
            user_id=user_id,
        ),
        card=dict(card),
        state_before=before,
        turn=after.turn,
    )
    return turn_log, coding


def coding_request(
    *, model: str, client_text: str, student_text: str, user_id: int
) -> CodingRequest:
    """The coder's call: the stable definitions (cacheable), then the turn to code."""
    system: dict[str, Any] = {"type": "text", "text": coder_system_prompt()}
    if settings.LLM_PROMPT_CACHING:
        system["cache_control"] = {"type": "ephemeral"}
    turn_text = coder_turn_text(client_text=client_text, student_text=student_text)
    return CodingRequest(
        model=model,
        system=[system],
        messages=[{"role": "user", "content": [{"type": "text", "text": turn_text}]}],
        tool=coder_tool(),
        max_tokens=settings.LLM_CODER_MAX_TOKENS,
        metadata={"user_id": str(user_id)},
    )


def last_client_text(card: dict[str, Any], history: list) -> str:
    """What the client last said in full: the line the student's turn answers, for both coders
    (a reflection is judged by what it carries of it). Before any reply, the card's opening
    statement, which the client has already said."""
    for row in reversed(history):
        if row.role == Message.Role.CLIENT and row.status == Message.Status.COMPLETE:
            return row.content
    return card.get("opening_statement") or ""


# --- When the reply is stored (sync, on the database thread) ---------------------------------


def voiced_in(turn_log: TurnLog, reply_text: str) -> list[int]:
    """The unlocked disclosures whose keywords the reply used (a keyword match, no model)."""
    text = reply_text.lower()
    return [
        index
        for index, keywords in turn_log.unlocked
        if any(keyword.lower() in text for keyword in keywords)
    ]


def log_reply(turn_log: TurnLog | None, reply_text: str) -> None:
    if turn_log is not None:
        turn_state_voiced(
            message_id=turn_log.student_message_id, voiced=voiced_in(turn_log, reply_text)
        )


# --- Beside the reply (async) -----------------------------------------------------------------


def start_coding(coding: TurnCoding | None, provider: Any) -> asyncio.Task | None:
    """Start the model coder for the turn, if there is one to run and a provider that codes."""
    code_turn = getattr(provider, "code_turn", None)
    if coding is None or code_turn is None:
        return None
    task = asyncio.create_task(_run_coder(coding, code_turn))
    running_coders.add(task)
    task.add_done_callback(running_coders.discard)
    return task


async def settle_coding(task: asyncio.Task | None, *, cancel: bool) -> None:
    """Wait for the coder once the reply is done; cancel it when the reply was cancelled."""
    if task is None:
        return
    if cancel:
        task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if not cancel:
            raise
    except Exception:
        log.exception("The model coder failed")


async def _run_coder(coding: TurnCoding, code_turn: Any) -> None:
    try:
        async with asyncio.timeout(settings.LLM_CODER_TIMEOUT_SECONDS):
            result: CodingResult | None = await code_turn(coding.request)
    except ProviderError as error:
        await _store_failure(coding, error.usage, {"kind": error.kind, "error": str(error)})
        return
    except TimeoutError:
        await _store_failure(coding, Usage(), {"kind": "timeout"})
        return
    except Exception as error:  # a provider bug must not cost the turn more than its codes
        await _store_failure(coding, Usage(), {"kind": "unexpected", "error": repr(error)[:300]})
        return
    if result is None:  # no model to ask (the demo): the deterministic codes stand
        return
    await _store_answer(coding, result)


@database_sync_to_async
def _store_answer(coding: TurnCoding, result: CodingResult) -> None:
    codes = valid_codes(result.codes)
    cost = cost_of(result.usage, coding.request.model)
    if codes is None:
        _store_usage(coding, result.usage, cost)
        raw = repr(result.codes)[:RAW_CODES_SHOWN]
        _warn(coding, CODER_INVALID, "The model coder answered with invalid codes.", {"codes": raw})
        return
    after = state_after_codes(coding.card, coding.state_before, codes)
    with transaction.atomic():
        in_time = session_client_state_replace(
            session_id=coding.session_id, turn=coding.turn, client_state=after.to_json()
        )
        if not in_time:
            # The student's next turn was taken first and directed by the deterministic codes:
            # the log keeps those, so it shows the trust the client really had. The call was
            # still paid for.
            _store_usage(coding, result.usage, cost)
            return
        _store_usage(coding, result.usage, cost, codes=codes, trust_after=after.trust)


@database_sync_to_async
def _store_failure(coding: TurnCoding, usage: Usage, details: dict[str, Any]) -> None:
    _store_usage(coding, usage, cost_of(usage, coding.request.model))
    _warn(
        coding,
        CODER_FAILED,
        "The model coder failed; the turn kept its deterministic codes.",
        details,
    )


def _store_usage(
    coding: TurnCoding,
    usage: Usage,
    cost: Decimal,
    *,
    codes: tuple[str, ...] | None = None,
    trust_after: int | None = None,
) -> None:
    """The call's usage in the log, the session's totals and the user's daily tokens (and the
    codes, when they are to be kept)."""
    turn_state_coded(
        turn_state_id=coding.turn_state_id,
        session_id=coding.session_id,
        usage=usage,
        cost=cost,
        codes=codes,
        trust_after=trust_after,
    )
    limits.limits_record_tokens(user_id=coding.user_id, tokens=usage.total)


def _warn(coding: TurnCoding, kind: str, message: str, details: dict[str, Any]) -> None:
    """Tell staff (monitoring's handler stores these), from the database thread."""
    log.warning(
        message,
        extra={
            "event_kind": kind,
            "session_id": str(coding.session_id),
            "user_id": coding.user_id,
            "details": {"model": coding.request.model, "turn": coding.turn, **details},
        },
    )
