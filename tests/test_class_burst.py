"""A class opens Rapport at once on PostgreSQL (issue 20).

200 students who have just logged in each load their first three pages at the same moment: the
first-login notice, its acknowledgement (a POST that writes), the practice page. Against one real
daphne process, then two (on Redis). Every page must arrive, and PostgreSQL must never hold more
connections for the app than the pools allow (processes x DATABASE_POOL_MAX).

Before the pool, every request's thread opened a connection and kept it (CONN_MAX_AGE=60), and
PostgreSQL answered "too many clients" with HTTP 500s. The servers here connect as a role of
their own that PostgreSQL lets hold at most ROLE_CONNECTION_LIMIT connections: a server that
spends connections as before fails this test (errors, and connections over the bound), and
never takes connections from everything else sharing the PostgreSQL server.

The pool's timeout is long here: the test is about connections and errors, not speed, on a
machine other work may be loading. The same class with the default timeout, with its page times,
is `python -m benchmarks burst` (docs/performance.md).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from benchmarks.burst import CLASS_CODE, BurstResult, burst
from tests.browser.server import _postgres_run
from tests.processes import cluster

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

STUDENTS = 200
POOL_MAX = 10
ROLE_CONNECTION_LIMIT = 40  # above 2 x POOL_MAX, far below what 200 threads would open
POOL = {
    "DATABASE_POOL_MIN": "2",
    "DATABASE_POOL_MAX": str(POOL_MAX),
    "DATABASE_POOL_TIMEOUT": "600",
}


@dataclass
class LimitedDatabase:
    """A database owned by a role of its own, which may hold `limit` connections at most."""

    name: str
    role: str

    @classmethod
    def create(cls, limit: int) -> LimitedDatabase:
        suffix = uuid.uuid4().hex[:10]
        database = cls(f"rapport_burst_{suffix}", f"rapport_burst_{suffix}")
        _postgres_run(f'CREATE ROLE "{database.role}" LOGIN CONNECTION LIMIT {limit}')
        _postgres_run(f'CREATE DATABASE "{database.name}" OWNER "{database.role}"')
        return database

    @property
    def url(self) -> str:
        parts = urlsplit(os.environ["DATABASE_URL"])
        netloc = f"{self.role}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc, path=f"/{self.name}"))

    def copy(self) -> LimitedDatabase:
        raise NotImplementedError("a limited database is used once")

    def drop(self) -> None:
        _postgres_run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        _postgres_run(f'DROP ROLE IF EXISTS "{self.role}"')


def _explain(result: BurstResult, logs: str) -> str:
    failures = sorted(set(result.failures))
    return (
        f"{result.processes} process(es): {result.reached}/{result.students} reached the "
        f"practice page, {len(result.failures)} failed requests, most server connections "
        f"{result.most_connections} (pools allow {result.processes * POOL_MAX}).\n"
        + "\n".join(failures[:10])
        + f"\n--- daphne logs (last 3000 characters)\n{logs[-3000:]}"
    )


def _assert_every_page_arrived_within_the_pools(result: BurstResult, logs: str) -> None:
    explanation = _explain(result, logs)
    assert result.failures == [], explanation
    assert result.reached == STUDENTS, explanation
    assert 0 < result.most_connections <= result.processes * POOL_MAX, explanation
    assert "Traceback" not in logs, explanation


def test_a_class_opening_its_first_pages_at_once_gets_every_page_on_one_process_and_two(
    postgres: None, redis_url: str, tmp_path: Path
) -> None:
    database = LimitedDatabase.create(ROLE_CONNECTION_LIMIT)
    env = POOL | {"REDIS_URL": redis_url}
    with cluster(tmp_path, env, database=database) as running:
        first_class = running.shell_json(CLASS_CODE.format(count=STUDENTS, prefix="first"))
        second_class = running.shell_json(CLASS_CODE.format(count=STUDENTS, prefix="second"))
        one = running.start()

        alone = burst([one.url], first_class, database.url, POOL_MAX)
        _assert_every_page_arrived_within_the_pools(alone, running.logs())

        two = running.start()
        together = burst([one.url, two.url], second_class, database.url, POOL_MAX)
        _assert_every_page_arrived_within_the_pools(together, running.logs())

        acknowledged = running.shell(
            "from accounts.models import User\n"
            "print(User.objects.filter(notice_acknowledged_at__isnull=False).count())"
        )
        assert acknowledged == str(2 * STUDENTS)
