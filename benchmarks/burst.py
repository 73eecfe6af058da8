"""A class opens Rapport at once: N logged-in students each load their first three pages.

python -m benchmarks burst [--students 200] [--shapes 1,2]

Each student has just logged in and has not read the first-login notice. All of them, at the
same moment (a barrier), load the notice, send its acknowledgement (a POST that writes), and
load the practice page, one after the other, each student on a connection of its own. One daphne
process, then two on Redis with the students split between them; each shape gets a fresh class
on a fresh database (rapport_bench_<random>, dropped at the end), with the pool settings of
the environment (DATABASE_POOL_MIN/MAX/TIMEOUT; else the defaults). DEBUG is on, as for the
test servers: with it off, pages need collectstatic's manifest and HTTPS cookies.

Figures: students who reached the practice page; requests that failed (any answer but the
expected one, a 503 included, or no answer); page times p50/p95/max; and the most server
connections PostgreSQL held for the database at any moment (pg_stat_activity, sampled every
20 ms), against processes x DATABASE_POOL_MAX. `tests/test_class_burst.py` runs the same
class against real daphne processes and asserts 0 errors and the connection bound.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

NOTICE_PATH = "/accounts/notice/?next=/practice/"
PRACTICE_PATH = "/practice/"
REQUEST_TIMEOUT_SECONDS = 300  # a busy machine queues; an answer that never comes still fails
START_TIMEOUT_SECONDS = 120
SAMPLE_SECONDS = 0.02
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLIENT_NAME = "Dana"  # the one client of the gallery: the practice page, not the notice again


# --- The class (run where Django is set up on the servers' database) -----------------------

CLASS_CODE = """
import json
from benchmarks.burst import class_create
print(json.dumps(class_create({count}, {prefix!r})))
"""


def class_create(count: int, prefix: str) -> list[str]:
    """`count` students who logged in a moment ago and have not read the notice yet, and one
    published client for the practice page: the students' Cookie header values."""
    from accounts.models import User
    from accounts.testing import session_cookie
    from clients.models import ClientProfile

    teacher = User.objects.create_user(username=f"{prefix}-teacher", password=None, role="teacher")
    ClientProfile.objects.create(
        owner=teacher,
        name=CLIENT_NAME,
        presenting_problem="Cannot sleep since starting a new job.",
        opening_statement="Hi. I'm not sure where to start.",
        is_published=True,
    )
    students = User.objects.bulk_create(
        [User(username=f"{prefix}-{number}", role="student") for number in range(count)]
    )
    return [session_cookie(student) for student in students]


# --- One student ----------------------------------------------------------------------------


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs) -> None:
        return None  # a 302 is an answer to check, not to follow


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirects())


@dataclass
class Visit:
    """What one student saw: (page, "ok" or what went wrong, seconds) per page, in order."""

    pages: list[tuple[str, str, float]] = field(default_factory=list)
    reached_practice: bool = False

    def failures(self) -> list[str]:
        return [f"{page}: {result}" for page, result, _ in self.pages if result != "ok"]


@dataclass
class Browser:
    """One student's cookies (the session, then the CSRF token), kept by hand."""

    base_url: str
    cookies: dict[str, str]

    def fetch(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, Location, body) of one request; redirects are not followed."""
        request = urllib.request.Request(
            self.base_url + path,
            data=urllib.parse.urlencode(form).encode() if form is not None else None,
            headers={
                "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                "Referer": self.base_url + path,
            },
        )
        try:
            with OPENER.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                return self._answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return self._answer(error.code, error.headers, error.read())

    def _answer(self, status: int, headers, body: bytes) -> tuple[int, str, str]:
        for cookie in headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return status, headers.get("Location", ""), body.decode(errors="replace")


def _page(visit: Visit, page: str, load: Callable[[], tuple[int, str, str]], expect) -> str | None:
    """Load one page; the body when `expect(status, location, body)` holds, else None."""
    began = time.monotonic()
    try:
        status, location, body = load()
    except (OSError, http.client.HTTPException) as error:
        visit.pages.append((page, f"no answer ({type(error).__name__}: {error})", 0.0))
        return None
    ok = expect(status, location, body)
    result = "ok" if ok else f"HTTP {status} {location} {body[:160]!r}"
    visit.pages.append((page, result, time.monotonic() - began))
    return body if ok else None


def first_pages(base_url: str, cookie: str) -> Visit:
    """The notice, its acknowledgement, the practice page: one after another, as a browser."""
    visit = Visit()
    name, _, value = cookie.partition("=")
    browser = Browser(base_url, {name: value})
    notice = _page(
        visit,
        "notice",
        lambda: browser.fetch(NOTICE_PATH),
        lambda status, _, body: status == 200 and CSRF_FIELD.search(body) is not None,
    )
    if notice is None:
        return visit
    form = {"csrfmiddlewaretoken": CSRF_FIELD.search(notice)[1], "next": PRACTICE_PATH}
    acknowledged = _page(
        visit,
        "acknowledge",
        lambda: browser.fetch(NOTICE_PATH, form),
        lambda status, location, _: (status, location) == (302, PRACTICE_PATH),
    )
    if acknowledged is None:
        return visit
    practice = _page(
        visit,
        "practice",
        lambda: browser.fetch(PRACTICE_PATH),
        lambda status, _, body: status == 200 and CLIENT_NAME in body,
    )
    visit.reached_practice = practice is not None
    return visit


def class_visits(base_urls: list[str], cookies: list[str]) -> list[Visit]:
    """Every student at once (released together by a barrier), spread over the servers."""
    start = threading.Barrier(len(cookies))

    def student(number: int) -> Visit:
        start.wait(timeout=START_TIMEOUT_SECONDS)
        return first_pages(base_urls[number % len(base_urls)], cookies[number])

    with ThreadPoolExecutor(max_workers=len(cookies)) as pool:
        return list(pool.map(student, range(len(cookies))))


# --- Server connections ---------------------------------------------------------------------


@dataclass
class ConnectionWatch:
    """The most connections PostgreSQL held for a database, sampled on a thread of its own."""

    database_url: str
    most: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as watcher:
            while not self._stop.is_set():
                held = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()[0]
                self.most = max(self.most, held)
                self.samples += 1
                self._stop.wait(SAMPLE_SECONDS)


@contextlib.contextmanager
def connections_watched(database_url: str) -> Iterator[ConnectionWatch]:
    watch = ConnectionWatch(database_url)
    thread = threading.Thread(target=watch._run, name="connection-watch", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        watch._stop.set()
        thread.join(timeout=10)


# --- Figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BurstResult:
    students: int
    processes: int
    pool_max: int
    visits: list[Visit]
    most_connections: int
    seconds: float

    @property
    def failures(self) -> list[str]:
        return [failure for visit in self.visits for failure in visit.failures()]

    @property
    def reached(self) -> int:
        return sum(visit.reached_practice for visit in self.visits)

    def page_seconds(self) -> list[float]:
        return [s for v in self.visits for _, result, s in v.pages if result == "ok"]


def burst(base_urls: list[str], cookies: list[str], database_url: str, pool_max: int):
    """Run the class against the servers while watching the database's connections."""
    began = time.monotonic()
    with connections_watched(database_url) as watch:
        visits = class_visits(base_urls, cookies)
        time.sleep(SAMPLE_SECONDS * 5)  # the last responses' connections go back to the pool
    return BurstResult(
        students=len(cookies),
        processes=len(base_urls),
        pool_max=pool_max,
        visits=visits,
        most_connections=watch.most,
        seconds=time.monotonic() - began,
    )


def pool_max_from_env() -> int:
    from config.env import env_int

    return env_int("DATABASE_POOL_MAX", 10, minimum=1)


# --- The benchmark --------------------------------------------------------------------------

SHAPES = {"1": 1, "2": 2}


def parse_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks burst")
    parser.add_argument(
        "--students", type=int, default=int(os.environ.get("BURST_STUDENTS", "200"))
    )
    parser.add_argument("--shapes", default=os.environ.get("BURST_SHAPES", "1,2"), help="1, 2")
    options = parser.parse_args(argv)
    options.shape_list = [shape.strip() for shape in options.shapes.split(",") if shape.strip()]
    for shape in options.shape_list:
        if shape not in SHAPES:
            parser.error(f"unknown shape {shape!r}; choose from {', '.join(SHAPES)}")
    return options


def _run_shape(processes: int, students: int, env: dict[str, str], number: int) -> BurstResult:
    from django.db import connection

    from benchmarks.harness import daphne
    from benchmarks.load import REDIS_URL, _forget_redis_keys

    cookies = class_create(students, f"burst{number}")
    # This process's own pool would count as the servers' connections: close it.
    connection.close()
    connection.close_pool()
    # DEBUG on, as the pages benchmark and the test servers run: with it off the pages would
    # need collectstatic's manifest and HTTPS (secure cookies), which a loopback run lacks.
    shape_env = env | {"DJANGO_DEBUG": "true"}
    prefix = f"rapport-bench-{secrets.token_hex(4)}"
    if processes > 1:
        shape_env |= {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix}
    with contextlib.ExitStack() as servers:
        if processes > 1:
            servers.callback(_forget_redis_keys, prefix)
        urls = [servers.enter_context(daphne(shape_env)).url for _ in range(processes)]
        return burst(urls, cookies, env["DATABASE_URL"], pool_max_from_env())


def _row(result: BurstResult) -> list[str]:
    from benchmarks.harness import percentile

    times = [s * 1000 for s in result.page_seconds()]
    bound = result.processes * result.pool_max
    return [
        f"{result.processes} process{'es' if result.processes > 1 else ''}",
        f"{result.reached}/{result.students}",
        str(len(result.failures)),
        f"{percentile(times, 0.5):.0f}/{percentile(times, 0.95):.0f}/{max(times or [0]):.0f}",
        f"{result.students * 3 / result.seconds:.0f}",
        f"{result.most_connections} (bound {bound})",
    ]


def main(argv: list[str] | None = None) -> None:
    from benchmarks.harness import bench_postgres_database, table

    options = parse_options(argv or [])
    with bench_postgres_database() as env:
        from django.conf import settings

        pool = settings.DATABASES["default"]["OPTIONS"]["pool"]
        print(
            f"{options.students} students load the notice, acknowledge it and load the practice "
            f"page, all at once; pool per process: min {pool['min_size']}, max "
            f"{pool['max_size']}, timeout {pool['timeout']:g} s; PostgreSQL",
            flush=True,
        )
        results = [
            _run_shape(SHAPES[shape], options.students, env, number)
            for number, shape in enumerate(options.shape_list)
        ]
    headers = [
        "shape",
        "reached practice",
        "failed requests",
        "page ms p50/95/max",
        "pages/s",
        "most server connections",
    ]
    print(table(headers, [_row(result) for result in results]))
    for result in results:
        for failure in sorted(set(result.failures))[:5]:
            print(f"  {result.processes} process(es): {failure}")


if __name__ == "__main__":
    main()
