"""Synthetic pilot data at scale, for benchmarks and query-count tests: `manage.py generate_load`.

Rows are made with bulk_create in batches; timestamps are spread over the last `days` days (the
auto_now_add fields are switched off while it runs, so the rows keep the times given). Session
totals are the sums of their messages, as the engine would have left them.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from clients.models import ClientProfile
from conversations.models import Message
from monitoring.models import ErrorEvent
from sessions_app.models import PracticeSession
from sessions_app.money import money

BATCH = 5000
PREFIX = "load"
# Per million tokens, roughly the cheapest Claude: only the shape of the numbers matters here.
PRICE = {
    "input": Decimal(1),
    "cache_write": Decimal("1.25"),
    "cache_read": Decimal("0.1"),
    "output": Decimal(5),
}


@dataclass
class Generated:
    users: int
    clients: int
    sessions: int
    messages: int
    errors: int


@contextlib.contextmanager
def _keeping_given_times() -> Iterator[None]:
    fields = [
        PracticeSession._meta.get_field("started_at"),
        PracticeSession._meta.get_field("last_activity_at"),
        Message._meta.get_field("timestamp"),
        ErrorEvent._meta.get_field("created_at"),
    ]
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved, strict=True):
            field.auto_now_add = value


def _cost(input_tokens: int, cache_write: int, cache_read: int, output: int) -> Decimal:
    total = (
        input_tokens * PRICE["input"]
        + cache_write * PRICE["cache_write"]
        + cache_read * PRICE["cache_read"]
        + output * PRICE["output"]
    )
    return money(total / Decimal(1_000_000))


def _people(students: int, clients: int, tag: str) -> tuple[list[User], list[ClientProfile]]:
    teacher = User(username=f"{PREFIX}-{tag}-teacher", role=User.Role.TEACHER)
    teacher.set_unusable_password()
    people = [teacher]
    for n in range(students):
        student = User(username=f"{PREFIX}-{tag}-student-{n}", role=User.Role.STUDENT)
        student.set_unusable_password()
        people.append(student)
    User.objects.bulk_create(people, batch_size=BATCH)
    people = list(User.objects.filter(username__startswith=f"{PREFIX}-{tag}-").order_by("id"))
    teacher = next(p for p in people if p.role == User.Role.TEACHER)
    profiles = [
        ClientProfile(
            owner=teacher,
            name=f"Load client {n}",
            presenting_problem="Generated for load testing.",
            is_published=True,
        )
        for n in range(clients)
    ]
    ClientProfile.objects.bulk_create(profiles, batch_size=BATCH)
    return [p for p in people if p.role == User.Role.STUDENT], profiles


def _session_messages(session: PracticeSession, count: int, rng: random.Random) -> list[Message]:
    messages = []
    moment = session.started_at
    for number in range(1, count + 1):
        moment += datetime.timedelta(seconds=rng.randint(5, 40))
        message = Message(
            id=uuid.uuid4(),
            session_id=session.pk,
            sequence_number=number,
            timestamp=moment,
        )
        if number % 2:
            message.role = Message.Role.STUDENT
            message.content = f"Student turn {number}."
        else:
            message.role = Message.Role.CLIENT
            message.content = f"Client reply {number}."
            message.input_tokens = rng.randint(20, 200)
            message.cache_write_tokens = 1500 if number == 2 else 0
            message.cache_read_tokens = 0 if number == 2 else 1500 + number * 40
            message.output_tokens = rng.randint(20, 120)
            message.token_count = (
                message.input_tokens
                + message.cache_write_tokens
                + message.cache_read_tokens
                + message.output_tokens
            )
            message.cost = _cost(
                message.input_tokens,
                message.cache_write_tokens,
                message.cache_read_tokens,
                message.output_tokens,
            )
            message.first_token_ms = rng.randint(300, 2500)
            message.total_ms = message.first_token_ms + rng.randint(200, 4000)
            if rng.random() < 0.01:
                message.status = Message.Status.FAILED
        messages.append(message)
    for field in ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens"):
        setattr(session, field, sum(getattr(m, field) for m in messages))
    session.total_tokens = sum(m.token_count for m in messages)
    session.estimated_cost = sum((m.cost for m in messages), Decimal(0))
    session.last_activity_at = moment
    return messages


def generate(
    *,
    sessions: int,
    messages_per_session: int,
    students: int = 200,
    clients: int = 20,
    days: int = 30,
    seed: int = 1,
) -> Generated:
    """Make students, clients, sessions and their messages; returns what was made."""
    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:6]
    now = timezone.now()
    with _keeping_given_times(), transaction.atomic():
        people, profiles = _people(students, clients, tag)
        made_sessions = made_messages = made_errors = 0
        per_batch = max(1, BATCH // max(1, messages_per_session))
        for start in range(0, sessions, per_batch):
            chunk = range(start, min(sessions, start + per_batch))
            batch, batch_messages, batch_errors = [], [], []
            for n in chunk:
                started = now - datetime.timedelta(seconds=rng.randint(0, days * 86400))
                recent = (now - started) < datetime.timedelta(hours=1)
                session = PracticeSession(
                    id=uuid.uuid4(),
                    student=people[n % len(people)],
                    client_profile=profiles[n % len(profiles)],
                    client_snapshot={"format": "client-card/v1", "name": f"Load client {n}"},
                    kind=PracticeSession.Kind.TEACHER_TEST
                    if n % 25 == 0
                    else PracticeSession.Kind.PRACTICE,
                    status=PracticeSession.Status.ACTIVE
                    if recent
                    else PracticeSession.Status.COMPLETED,
                    started_at=started,
                    model="claude-haiku-5-5",
                    prompt_version="load",
                )
                batch_messages.extend(_session_messages(session, messages_per_session, rng))
                if not recent:
                    session.ended_at = session.last_activity_at
                batch.append(session)
                if n % 100 == 0:
                    batch_errors.append(
                        ErrorEvent(
                            kind=rng.choice(["provider.overloaded", "limit.user_rate"]),
                            severity=rng.choice(["critical", "warning"]),
                            message="Generated for load testing.",
                            session_id=session.pk,
                            created_at=started,
                        )
                    )
            PracticeSession.objects.bulk_create(batch, batch_size=BATCH)
            Message.objects.bulk_create(batch_messages, batch_size=BATCH)
            ErrorEvent.objects.bulk_create(batch_errors, batch_size=BATCH)
            made_sessions += len(batch)
            made_messages += len(batch_messages)
            made_errors += len(batch_errors)
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would gather: without them the planner scans tables.
        with connection.cursor() as cursor:
            for model in (User, ClientProfile, PracticeSession, Message, ErrorEvent):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return Generated(len(people), len(profiles), made_sessions, made_messages, made_errors)
