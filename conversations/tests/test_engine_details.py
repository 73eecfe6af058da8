"""Engine details: coalescing, leases of dead processes, the safety notice, empty replies."""

import asyncio
import itertools
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import add_message, make_client, make_user
from conversations.engine import stream, turn
from conversations.engine.stream import COALESCE_SECONDS, _coalesced
from conversations.llm.base import StreamEnd, TextDelta, Usage
from conversations.models import Message, SafetyFlag
from conversations.services import replies_reap_orphans
from conversations.tests.conftest import open_socket, student_frame
from monitoring.models import ErrorEvent
from sessions_app.services import session_start


async def paced(pieces: list[str], gap: float):
    for piece in pieces:
        await asyncio.sleep(gap)
        yield TextDelta(piece)
    yield StreamEnd(Usage(), "end_turn")


async def timed(events) -> list[tuple[float, object]]:
    start = time.monotonic()
    return [(time.monotonic() - start, event) async for event in _coalesced(events)]


async def test_the_first_text_goes_at_once_and_later_text_is_coalesced():
    received = await timed(paced([f"w{n} " for n in range(40)], gap=0.005))
    texts = [event.text for _, event in received if isinstance(event, TextDelta)]
    assert texts[0] == "w0 "
    assert "".join(texts) == "".join(f"w{n} " for n in range(40))
    assert len(texts) < 20, "forty quick deltas arrive in a few coalesced pieces"
    assert isinstance(received[-1][1], StreamEnd)


async def test_no_text_waits_longer_than_the_coalescing_window():
    received = await timed(paced(["a", "b", "c", "d"], gap=0.02))
    times = [at for at, event in received if isinstance(event, TextDelta)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert max(gaps) < COALESCE_SECONDS + 0.04


async def test_an_error_after_text_still_delivers_the_text_first():
    async def failing():
        yield TextDelta("partial")
        raise RuntimeError("dropped")

    seen = []
    with pytest.raises(RuntimeError):
        async for event in _coalesced(failing()):
            seen.append(event)
    assert seen == [TextDelta("partial")]


@pytest.fixture
def session(db):
    teacher = make_user("teacher-eng", "teacher")
    return session_start(
        student=make_user("student-eng"), client=make_client(teacher), prompt_version="t"
    )


def streaming_reply(session, lease_in_seconds: int) -> Message:
    reply = add_message(session=session, role="client", content="", status="streaming")
    reply.lease_expires_at = timezone.now() + timedelta(seconds=lease_in_seconds)
    reply.save(update_fields=["lease_expires_at"])
    return reply


def test_a_reply_whose_lease_lapsed_is_marked_interrupted(session):
    dead = streaming_reply(session, lease_in_seconds=-1)
    assert replies_reap_orphans(session_id=session.pk) == 1
    dead.refresh_from_db()
    assert dead.status == "interrupted"


def test_a_reply_with_a_live_lease_is_left_streaming(session):
    live = streaming_reply(session, lease_in_seconds=30)
    assert replies_reap_orphans() == 0
    live.refresh_from_db()
    assert live.status == "streaming"


@pytest.mark.django_db(transaction=True)
async def test_reconnecting_after_a_crash_shows_the_orphan_as_interrupted(session):
    await asyncio.to_thread(add_message, session=session, role="student", content="Hi.")
    await asyncio.to_thread(streaming_reply, session, -1)
    socket = await open_socket(session.student, session.id)
    history = [await socket.receive(), await socket.receive()]
    await socket.close()
    assert history[1]["message"]["status"] == "interrupted"


@pytest.mark.django_db(transaction=True)
@override_settings(SUPPORT_TEXT="Call the campus support line at the number on your student card.")
async def test_a_real_crisis_shows_the_support_text_and_flags_it_for_the_teacher(session, provider):
    socket = await open_socket(session.student, session.id)
    crisis = "Out of character for a second: honestly I want to kill myself, this isn't role-play."
    await socket.send(student_frame(crisis, str(uuid.uuid4())))
    events = await socket.receive_until("reply.completed")
    await socket.close()

    notice = [e for e in events if e["type"] == "message" and e["message"]["role"] == "system"]
    assert notice and notice[0]["message"]["content"].startswith("Call the campus support line")
    flag = await SafetyFlag.objects.select_related("message").aget()
    assert flag.session_id == session.pk
    assert (flag.message.role, flag.message.content) == ("student", crisis)
    assert not await ErrorEvent.objects.filter(kind__startswith="safety.").aexists()
    assert [m["role"] for m in provider.requests[0].messages] == ["user"], (
        "system rows never reach the model"
    )


@pytest.mark.django_db(transaction=True)
async def test_an_empty_reply_is_failed_not_stored_as_a_turn(session, provider):
    provider.reply("")
    socket = await open_socket(session.student, session.id)
    await socket.send(student_frame("Hello.", str(uuid.uuid4())))
    events = await socket.receive_until("reply.failed")
    await socket.close()
    assert events[-1]["error"]["code"] == "refusal" and events[-1]["retryable"]
    reply = await Message.objects.filter(session=session, role="client").afirst()
    assert reply.status == "failed"


def test_renewing_the_lease_keeps_the_text_so_far(session):
    from conversations.services import reply_lease_renew

    reply = streaming_reply(session, lease_in_seconds=5)
    assert reply_lease_renew(message_id=reply.pk, content="I guess it started")
    reply.refresh_from_db()
    assert reply.content == "I guess it started"
    assert reply.lease_expires_at > timezone.now() + timedelta(seconds=5)


def statements_for_one_turn(session, text: str) -> list[str]:
    """The SQL a turn sends: accepting it (with its streaming reply) and finishing the reply."""
    with CaptureQueriesContext(connection) as queries:
        accepted = turn.accept_turn.func(session.pk, session.student_id, text, uuid.uuid4())
        plan = accepted.plan
        progress = stream.ReplyProgress(started=time.monotonic(), text="Fine.", usage=Usage(1, 1))
        stream._finish.func(plan, progress, Message.Status.COMPLETE)
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    # SQLite logs the transaction's edges, PostgreSQL does not; savepoints stay in.
    return [statement for statement in statements if statement not in ("BEGIN", "COMMIT")]


@pytest.mark.django_db(transaction=True)  # the turn's own transaction, not a savepoint
def test_a_turn_sends_a_fixed_handful_of_statements_however_long_the_history(session):
    first = statements_for_one_turn(session, "Hello.")
    for n in range(30):
        add_message(session=session, role=("student", "client")[n % 2], content=f"Turn {n}.")
    later = statements_for_one_turn(session, "And now?")
    assert later == first
    # Lock the session, read its history, insert the turn with its reply, update the session,
    # log the turn's state; then finish: update the reply, add its usage to the session, note
    # in the turn's log which disclosures the reply voiced.
    assert first == ["SELECT", "SELECT", "INSERT", "UPDATE", "INSERT", "UPDATE", "UPDATE", "UPDATE"]


@pytest.mark.django_db(transaction=True)
def test_a_crisis_turn_stores_its_flag_in_the_turns_own_statements(session):
    crisis = "Out of character for a second: honestly I want to kill myself, this isn't role-play."
    statements = statements_for_one_turn(session, crisis)
    # The flag's INSERT follows the turn's INSERT, UPDATE and state log, before the reply ends.
    assert statements == [
        *("SELECT", "SELECT", "INSERT", "UPDATE", "INSERT", "INSERT"),
        *("UPDATE", "UPDATE", "UPDATE"),
    ]
    assert SafetyFlag.objects.filter(session=session).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_crisis_turn_whose_flag_cannot_be_stored_is_not_stored_either(session, monkeypatch):
    def failing(*args) -> None:
        raise RuntimeError("the flag could not be stored")

    monkeypatch.setattr(turn, "_record_safety_notice", failing)
    crisis = "Out of character for a second: honestly I want to kill myself, this isn't role-play."
    with pytest.raises(RuntimeError):
        turn.accept_turn.func(session.pk, session.student_id, crisis, uuid.uuid4())
    assert not Message.objects.filter(session=session).exists()


@pytest.mark.django_db(transaction=True)
async def test_the_demo_gets_the_voice_and_stance_and_only_what_is_unlocked(session, provider):
    from clients.prompts import demo_metadata

    socket = await open_socket(session.student, session.id)
    await socket.send(student_frame("Hi.", str(uuid.uuid4())))
    await socket.receive_until("reply.completed")
    await socket.close()

    await session.arefresh_from_db()
    metadata = provider.requests[0].metadata
    assert metadata == demo_metadata(session.client_snapshot, trust=session.client_state["trust"])
    assert "presenting_problem" not in metadata  # the demo must not quote the referral
    assert metadata["risk_stance"] and "unlocked" in metadata
