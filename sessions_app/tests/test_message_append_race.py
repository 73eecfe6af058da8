"""Appends that race still number a session's messages 1, 2, 3… with no gap and no repeat.

PostgreSQL runs the threads against the test database. SQLite runs them in a subprocess on a
file database, as production does: the test database pytest-django gives SQLite lives in shared-
cache memory, where a busy table fails at once ("database table is locked") instead of waiting
out the busy timeout that an IMMEDIATE transaction on a file waits behind.
"""

import json
import os
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from conversations.models import Message
from sessions_app.models import PracticeSession
from sessions_app.services import message_account, message_append, session_start

THREADS = 8
APPENDS = 10
BASE_DIR = Path(__file__).resolve().parents[2]


def race(session: PracticeSession, threads: int, appends: int) -> list[str]:
    """Append from `threads` threads at once; returns the errors they met."""
    barrier = threading.Barrier(threads)
    errors: list[str] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for m in range(appends):
                message_append(session=session, role="student", content=f"{n}.{m}")
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


def race_on_fresh_sqlite_file() -> None:
    """Run in a subprocess with DATABASE_URL=sqlite:///… : migrate, race, print the numbers."""
    from django.core.management import call_command

    from conftest import make_client, make_user

    call_command("migrate", verbosity=0)

    session = session_start(
        student=make_user("racer"), client=make_client(make_user("coach", "teacher"))
    )
    errors = race(session, THREADS, APPENDS)
    numbers = list(
        Message.objects.filter(session=session)
        .order_by("sequence_number")
        .values_list("sequence_number", flat=True)
    )
    print(json.dumps({"errors": errors, "numbers": numbers}))


@pytest.mark.django_db(transaction=True)
def test_racing_appends_stay_contiguous_on_postgres(postgres, student, client_profile):
    session = session_start(student=student, client=client_profile)
    errors = race(session, THREADS, APPENDS)
    assert errors == []
    numbers = sorted(
        Message.objects.filter(session=session).values_list("sequence_number", flat=True)
    )
    assert numbers == list(range(1, THREADS * APPENDS + 1))
    contents = set(Message.objects.filter(session=session).values_list("content", flat=True))
    assert len(contents) == THREADS * APPENDS


@pytest.mark.django_db(transaction=True)
def test_racing_accounts_add_up_exactly_on_postgres(postgres, student, client_profile):
    session = session_start(student=student, client=client_profile)
    reply = message_append(session=session, role="client", content="Mm.")
    barrier = threading.Barrier(THREADS)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(APPENDS):
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
    assert session.total_tokens == reply.token_count == THREADS * APPENDS * 11
    assert session.estimated_cost == reply.cost == Decimal("0.0000000013") * THREADS * APPENDS


def test_racing_appends_stay_contiguous_on_a_sqlite_file(tmp_path):
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
            "from sessions_app.tests.test_message_append_race import race_on_fresh_sqlite_file;"
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
    assert outcome["numbers"] == list(range(1, THREADS * APPENDS + 1))
