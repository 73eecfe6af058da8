"""Fixtures shared by every app's tests: users in each role, clients, sessions, service checks."""

import os
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone

from accounts.models import NOTICE_VERSION, User
from clients.models import ClientProfile
from conversations.models import Message
from conversations.services import message_account
from sessions_app.models import PracticeSession
from sessions_app.services import session_start

pytest_plugins = ["fakeapi.pytest_plugin"]

IN_CI = os.environ.get("CI", "").lower() == "true"
RUN_PREFIX = f"rapport-test-{uuid.uuid4().hex[:8]}"


def require_service(name: str, available: bool, reason: str) -> None:
    """Skip with a visible reason on a developer machine; fail under CI, where it must be there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{name} is required under CI=true: {reason}")
    pytest.skip(f"{name} not available: {reason}")


SERVICE_MARKERS = {"postgres": "postgres", "redis_url": "redis"}


def pytest_configure(config: pytest.Config) -> None:
    """The test process talks to PostgreSQL without psycopg's pool; the daphne servers the tests
    start use it, as production does (tests/test_class_burst.py, tests/test_database_pool.py).

    Here a pooled connection is given back only by close_old_connections(), which Django's
    test client disconnects from the request signals (to keep a test's transaction), and tests
    run the ORM on throwaway threads (asyncio.to_thread, each async request's own thread): each
    would keep its connection out of the pool for good, and the pool would run dry mid-run.
    No connection exists yet at this point, so the change is seen by every one.
    """
    settings.DATABASES["default"].get("OPTIONS", {}).pop("pool", None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that need a service, so CI's SQLite pass can leave them to the first pass."""
    for item in items:
        for fixture, marker in SERVICE_MARKERS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture
def postgres() -> None:
    require_service("PostgreSQL", settings.USING_POSTGRES, "set DATABASE_URL=postgres://...")


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", bool(settings.REDIS_URL), "set REDIS_URL=redis://...")
    return settings.REDIS_URL


@pytest.fixture(scope="session", autouse=True)
def test_isolation():
    """One process per test run: in-memory channel layer, and Redis keys under a run prefix."""
    overrides = {"CHANNEL_LAYERS": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}}
    if settings.REDIS_URL:
        overrides["CACHES"] = {"default": settings.CACHES["default"] | {"KEY_PREFIX": RUN_PREFIX}}
    with override_settings(**overrides):
        yield


@pytest.fixture(scope="session", autouse=True)
def close_other_connections_at_the_end(django_db_setup, django_db_blocker):
    """Worker threads of async tests keep their own connections; PostgreSQL will not drop the
    test database while they are open, so end them before pytest-django drops it."""
    yield
    if not settings.USING_POSTGRES:
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters and live metrics live in the cache: every test starts with none."""
    if settings.REDIS_URL:
        cache.delete_pattern("*")  # only this run's prefix: django-redis prefixes the pattern
    else:
        cache.clear()
    yield


def make_user(username: str, role: str = User.Role.STUDENT, **extra) -> User:
    """A user who has read the first-login notice (pass notice_version="" for one who has not)."""
    extra = {"notice_version": NOTICE_VERSION, "notice_acknowledged_at": timezone.now()} | extra
    user = User.objects.create_user(
        username=username, password="pw-" + username, role=role, **extra
    )
    user.raw_password = "pw-" + username
    return user


def make_client(owner: User, **fields) -> ClientProfile:
    defaults = {
        "name": "Test Client",
        "presenting_problem": "Trouble sleeping since starting a new job.",
        "opening_statement": "Hi. I'm not really sure where to start.",
        "communication_style": "plain",
        "resistance_level": 2,
        "disclosures": [
            {
                "text": "She lost her previous job after a panic attack at work.",
                "level": 1,
                "keywords": ["panic attack", "lost her previous job"],
            }
        ],
        "teacher_notes": "TEACHER-ONLY-NOTE",
        "is_published": True,
    }
    return ClientProfile.objects.create(owner=owner, **(defaults | fields))


def add_message(
    *,
    session: PracticeSession,
    role: str,
    content: str,
    status: str = Message.Status.COMPLETE,
    client_msg_id: uuid.UUID | None = None,
) -> Message:
    """A stored message numbered after the session's last, the session active as of it: what a
    page or an export reads. Tests of the turn itself go through the engine."""
    last = session.messages.aggregate(last=Max("sequence_number"))["last"] or 0
    message = Message.objects.create(
        session_id=session.pk,
        sequence_number=last + 1,
        role=role,
        content=content,
        status=status,
        client_msg_id=client_msg_id,
    )
    PracticeSession.objects.filter(pk=session.pk).update(last_activity_at=message.timestamp)
    return message


EXCHANGE_COST = Decimal("0.0001234567")


def add_exchange(
    session: PracticeSession,
    student_text: str = "Hello.",
    client_text: str = "Hi.",
    *,
    cost: Decimal = EXCHANGE_COST,
) -> Message:
    """A student turn and a client reply with its tokens, cost and timings; returns the reply."""
    add_message(session=session, role=Message.Role.STUDENT, content=student_text)
    reply = add_message(session=session, role=Message.Role.CLIENT, content=client_text)
    message_account(
        message=reply,
        input_tokens=900,
        output_tokens=40,
        cache_write_tokens=0,
        cache_read_tokens=300,
        cost=cost,
    )
    Message.objects.filter(pk=reply.pk).update(first_token_ms=420, total_ms=1300)
    return reply


@pytest.fixture
def student(db) -> User:
    return make_user("stu")


@pytest.fixture
def other_student(db) -> User:
    return make_user("stu2")


@pytest.fixture
def teacher(db) -> User:
    return make_user("tea", User.Role.TEACHER)


@pytest.fixture
def other_teacher(db) -> User:
    return make_user("tea2", User.Role.TEACHER)


@pytest.fixture
def staff(db) -> User:
    return make_user("sta", User.Role.TEACHER, is_staff=True)


@pytest.fixture
def client_profile(teacher) -> ClientProfile:
    return make_client(teacher)


@pytest.fixture
def practice_session(student, client_profile) -> PracticeSession:
    return session_start(student=student, client=client_profile, prompt_version="test")
