"""Response times of the staff pages over a pilot-sized database: 10,000 sessions, 400,000
messages (`manage.py generate_load`), served by a real daphne process.

PostgreSQL when BENCH_DATABASE_URL (or DATABASE_URL) is a postgres:// URL: a throwaway database
is created beside it and dropped afterwards. Otherwise a throwaway SQLite file. Query counts are
taken in this process with Django's test client on the same database; times are wall-clock
HTTP round trips. Target: p95 under 150 ms.
"""

import os
import time
import urllib.request

from benchmarks.harness import (
    bench_database,
    bench_postgres_database,
    daphne,
    percentile,
    session_cookie_for,
    table,
)

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "10000"))
MESSAGES_PER_SESSION = int(os.environ.get("BENCH_MESSAGES_PER_SESSION", "40"))
SAMPLES = 30
WARMUP = 3
TARGET_P95_MS = 150
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _postgres_url() -> str | None:
    """The database URL named in the environment, if PostgreSQL: the benchmark's database is
    created beside it, on the same server."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _pages() -> list[tuple[str, str]]:
    from sessions_app.models import PracticeSession

    session = PracticeSession.objects.order_by("-started_at").values_list("pk", flat=True)[0]
    return [
        ("dashboard", "/monitor/"),
        ("live fragment", "/monitor/live/"),
        ("session logs", "/monitor/sessions/"),
        ("session logs, filtered, page 20", "/monitor/sessions/?status=completed&page=20"),
        ("session transcript", f"/monitor/sessions/{session}/"),
        ("daily, 14 days", "/monitor/daily/"),
        ("daily, 60 days", "/monitor/daily/?since={since}"),
        ("errors", "/monitor/errors/?period=all"),
    ]


def _query_count(user, path: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries)


def _get(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    began = time.perf_counter()
    with NO_PROXY.open(request, timeout=30) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return (time.perf_counter() - began) * 1000


def main(options: list[str] | None = None) -> None:
    postgres = _postgres_url()
    database = (
        bench_postgres_database(postgres.rpartition("/")[0], debug=True)
        if postgres
        else bench_database()
    )
    with database as env:
        import datetime

        from django.core.management import call_command
        from django.utils import timezone

        from accounts.models import User

        began = time.monotonic()
        call_command(
            "generate_load",
            sessions=SESSIONS,
            messages_per_session=MESSAGES_PER_SESSION,
            verbosity=0,
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
        print(
            f"{'PostgreSQL' if postgres else 'SQLite'}: {SESSIONS:,} sessions, "
            f"{SESSIONS * MESSAGES_PER_SESSION:,} messages generated in "
            f"{time.monotonic() - began:.0f} s"
        )
        staff = User.objects.create_user(username="bench-staff", role="teacher", is_staff=True)
        cookie = session_cookie_for(staff)
        since = (timezone.localdate() - datetime.timedelta(days=59)).isoformat()
        pages = [(label, path.format(since=since)) for label, path in _pages()]
        queries = {path: _query_count(staff, path) for _, path in pages}
        rows = []
        with daphne(env) as server:
            for label, path in pages:
                cold = _get(server.url + path, cookie)
                for _ in range(WARMUP):
                    _get(server.url + path, cookie)
                times = [_get(server.url + path, cookie) for _ in range(SAMPLES)]
                p95 = percentile(times, 0.95)
                rows.append(
                    [
                        label,
                        str(queries[path]),
                        f"{cold:.0f}",
                        f"{percentile(times, 0.5):.0f}",
                        f"{p95:.0f}",
                        f"{max(times):.0f}",
                        "yes" if p95 < TARGET_P95_MS else "NO",
                    ]
                )
        headers = ["page", "queries", "first ms", "p50 ms", "p95 ms", "max ms", "p95<150"]
        print(table(headers, rows))
        print(f"{SAMPLES} requests per page after {WARMUP} warm-up; one staff user, sequential.")


if __name__ == "__main__":
    main()
