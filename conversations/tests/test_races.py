"""Turns that race through the engine still number a session's messages 1, 2, 3… with no gap and
no repeat, and usage that races adds up exactly.

Each thread takes turns on the real path, the engine's turn transaction; a turn refused because
another thread's reply is still streaming is sent again once that reply is stored, as a student
would. PostgreSQL runs the threads against the test database. SQLite runs them in a subprocess on
a file database, as production does: the test database pytest-django gives SQLite lives in
shared-cache memory, where a busy table fails at once ("database table is locked") instead of
waiting out the busy timeout that an IMMEDIATE transaction on a file waits behind.
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from conftest import add_message
from conversations.engine import TurnRefused, stream, turn
from conversations.llm.base import Usage
from conversations.models import Message
from conversations.services import message_account
from sessions_app.models import PracticeSession
from sessions_app.services import session_start

THREADS = 8
TURNS = 10
BASE_DIR = Path(__file__).resolve().parents[2]
NO_RATE_LIMITS = override_settings(
    LIMIT_MESSAGES_PER_MINUTE=10_000, LIMIT_GLOBAL_REQUESTS_PER_MINUTE=10_000
)


def take_turn(session: PracticeSession, text: str) -> None:
    """One turn and its reply, stored; sent again while another thread's reply streams."""
    while True:
        try:
            accepted = turn.accept_turn.func(session.pk, session.student_id, text, uuid.uuid4())
            break
        except TurnRefused as refused:
            if refused.code != "reply_in_progress":
                raise
            time.sleep(0.01)
    progress = stream.ReplyProgress(started=time.monotonic(), text="Mm.", usage=Usage(1, 1))
    stream._finish.func(accepted.plan, progress, Message.Status.COMPLETE)


def race(session: PracticeSession, threads: int, turns: int) -> list[str]:
    """Take turns from `threads` threads at once; returns the errors they met."""
    barrier = threading.Barrier(threads)
    errors: list[str] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for m in range(turns):
                take_turn(session, f"{n}.{m}")
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def stored(session: PracticeSession) -> list[tuple[int, str, str]]:
    return list(
        Message.objects.filter(session=session)
        .order_by("sequence_number")
        .values_list("sequence_number", "role", "content")
    )


def race_on_fresh_sqlite_file() -> None:
    """Run in a subprocess with DATABASE_URL=sqlite:///… : migrate, race, print what was stored."""
    from django.core.management import call_command

    from conftest import make_client, make_user

    call_command("migrate", verbosity=0)
    session = session_start(
        student=make_user("racer"), client=make_client(make_user("coach", "teacher"))
    )
    with NO_RATE_LIMITS:
        errors = race(session, THREADS, TURNS)
    print(json.dumps({"errors": errors, "messages": stored(session)}))


def assert_contiguous_turns(messages: list) -> None:
    numbers = [number for number, _, _ in messages]
    assert numbers == list(range(1, 2 * THREADS * TURNS + 1))
    assert [role for _, role, _ in messages] == ["student", "client"] * THREADS * TURNS
    students = {content for _, role, content in messages if role == "student"}
    assert len(students) == THREADS * TURNS


@NO_RATE_LIMITS
@pytest.mark.django_db(transaction=True)
def test_racing_turns_stay_contiguous_on_postgres(postgres, student, client_profile):
    session = session_start(student=student, client=client_profile)
    errors = race(session, THREADS, TURNS)
    assert errors == []
    assert_contiguous_turns(stored(session))


@pytest.mark.django_db(transaction=True)
def test_racing_accounts_add_up_exactly_on_postgres(postgres, student, client_profile):
    session = session_start(student=student, client=client_profile)
    reply = add_message(session=session, role="client", content="Mm.")
    barrier = threading.Barrier(THREADS)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(TURNS):
                message_account(
                    message=reply,
                    input_tokens=10,
                    output_tokens=1,
                    cache_write_tokens=0,
                    cache_read_tokens=0,
                    cost=Decimal("0.0000000013"),
                )
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    session.refresh_from_db()
    reply.refresh_from_db()
    assert session.total_tokens == reply.token_count == THREADS * TURNS * 11
    assert session.estimated_cost == reply.cost == Decimal("0.0000000013") * THREADS * TURNS


def test_racing_turns_stay_contiguous_on_a_sqlite_file(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "DJANGO_SECRET_KEY"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from conversations.tests.test_races import race_on_fresh_sqlite_file;"
            "race_on_fresh_sqlite_file()",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert_contiguous_turns(outcome["messages"])
