"""A real daphne process on 127.0.0.1 over its own database, for browser and protocol tests.

The server runs the code as `make run` does (DEBUG on, the demo provider unless a test sets an API
key) over a database of its own holding committed data: a SQLite file, or a fresh PostgreSQL
database on the server the test run uses. Every server starts from a copy of one database that was
migrated and seeded once per test run (demo logins teacher, student, student2, staff).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from playwright.sync_api import Cookie, Page

from accounts.management.commands.seed_demo import DEMO_PASSWORD

PROJECT_DIR = Path(settings.BASE_DIR)
BIN_DIR = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 15
COMMAND_TIMEOUT_SECONDS = 300
LOGIN_PATH = "/accounts/login/"
# Never handed to the server: the test process's own switches, and the real model's key.
WITHHELD_ENV = ("ANTHROPIC_API_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_CURRENT_TEST")


ACKNOWLEDGE_DEMO_NOTICES = (
    "from accounts.models import User\n"
    "from accounts.services import notice_acknowledge\n"
    "for user in User.objects.all():\n"
    "    notice_acknowledge(user=user)\n"
)

# The server is on 127.0.0.1: never ask a proxy from the environment for it.
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerError(RuntimeError):
    pass


# --- Databases ----------------------------------------------------------------------------------


class Database(Protocol):
    url: str

    def copy(self) -> Database: ...

    def drop(self) -> None: ...


@dataclass
class SqliteDatabase:
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def copy(self) -> SqliteDatabase:
        target = self.path.with_name(f"browser-{uuid.uuid4().hex[:8]}.sqlite3")
        # The backup API copies a consistent database whatever state its WAL file is in.
        with sqlite3.connect(self.path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return SqliteDatabase(target)

    def drop(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


@dataclass
class PostgresDatabase:
    name: str

    @property
    def url(self) -> str:
        parts = urlsplit(os.environ["DATABASE_URL"])
        return urlunsplit(parts._replace(path=f"/{self.name}"))

    def copy(self) -> PostgresDatabase:
        copy = PostgresDatabase(_postgres_name())
        _postgres_run(f'CREATE DATABASE "{copy.name}" TEMPLATE "{self.name}"')
        return copy

    def drop(self) -> None:
        _postgres_run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _postgres_name() -> str:
    return f"rapport_browser_{uuid.uuid4().hex[:12]}"


def _postgres_run(statement: str) -> None:
    import psycopg

    config = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        autocommit=True,
    ) as connection:
        connection.execute(statement)


def database_create(directory: Path) -> Database:
    """An empty database of the kind this test run uses."""
    if settings.USING_POSTGRES:
        database = PostgresDatabase(_postgres_name())
        _postgres_run(f'CREATE DATABASE "{database.name}"')
        return database
    return SqliteDatabase(directory / "browser-template.sqlite3")


# --- The server process -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database: Database, redis_prefix: str, overrides: Mapping[str, str | None]) -> dict:
    """Ours minus WITHHELD_ENV, plus its database and prefix, then `overrides` (None unsets)."""
    env = {name: value for name, value in os.environ.items() if name not in WITHHELD_ENV}
    env |= {
        "DATABASE_URL": database.url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        "REDIS_KEY_PREFIX": redis_prefix,
        "PYTHONUNBUFFERED": "1",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(env: Mapping[str, str], *args: str, input: str | None = None) -> str:
    """Run a management command in a subprocess with `env`; its stdout, or ServerError."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=dict(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise ServerError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


@dataclass
class LiveServer:
    """One daphne process. `url` has no trailing slash: `app_server.url + "/practice/"`."""

    database: Database
    env: dict[str, str]
    log_path: Path
    port: int = 0
    process: subprocess.Popen | None = None
    _sessions: dict[str, list[Cookie]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    # Running -----------------------------------------------------------------------------------

    def start(self) -> None:
        for _attempt in range(3):
            self.port = free_port()
            self._spawn()
            if self._wait_until_up():
                return
            if "Address already in use" not in self.log():
                break  # a real failure, not a lost race for the port
        raise ServerError(f"daphne did not start on {self.url}. Its log:\n{self.log()}")

    def _spawn(self) -> None:
        command = [
            str(BIN_DIR / "daphne"),
            *("-b", "127.0.0.1", "-p", str(self.port)),
            "config.asgi:application",
        ]
        with self.log_path.open("a") as log:
            log.write(f"\n=== {' '.join(command)}\n")
            self.process = subprocess.Popen(
                command, cwd=PROJECT_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def _wait_until_up(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with NO_PROXY.open(f"{self.url}/healthz", timeout=5) as response:
                    return response.status == 200
            except OSError:  # not listening yet, or not healthy yet (an HTTPError 503)
                time.sleep(0.1)
        self.stop()
        return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log(self, start: int = 0) -> str:
        """The server's output (its access log included), from byte offset `start`."""
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(start)
            return log.read().decode("utf-8", errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    # The same database ---------------------------------------------------------------------------

    def manage(self, *args: str, input: str | None = None) -> str:
        """Run a management command against this server's database; returns its stdout."""
        return manage(self.env, *args, input=input)

    def shell(self, code: str) -> str:
        """Run Python in `manage.py shell` against this server's database; returns what it printed.

        Models are imported automatically: `app_server.shell("print(Message.objects.count())")`.
        """
        return self.manage("shell", "--verbosity", "0", "--command", code).strip()

    # Logging in ----------------------------------------------------------------------------------

    def submit_login(self, page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
        """Fill in and send the login form, as a person would. Waits for the answer to load."""
        page.goto(self.url + LOGIN_PATH)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()

    def login(self, page: Page, username: str, *, reuse_session: bool = True) -> None:
        """Log the page's context in as `username` (password 'rapport-demo'), on its home page.

        The first login per user goes through the form; later ones reuse that Django session
        cookie (unless it was logged out), which keeps a long suite under the login rate limits.
        """
        if reuse_session and username in self._sessions:
            page.context.add_cookies(self._sessions[username])
            page.goto(self.url + "/")
            if urlsplit(page.url).path != LOGIN_PATH:
                return
        self.submit_login(page, username)
        if urlsplit(page.url).path == LOGIN_PATH:
            alert = page.get_by_role("alert")
            said = alert.inner_text() if alert.count() else f"the page is {page.title()!r}"
            raise AssertionError(f"Logging in as {username!r} failed: {said}")
        self._sessions[username] = [
            cookie
            for cookie in page.context.cookies(self.url)
            if cookie["name"] == settings.SESSION_COOKIE_NAME
        ]


# --- Many servers, one seeded database ----------------------------------------------------------


@dataclass
class LiveServers:
    """Starts servers on copies of one database that is migrated and seeded on first use."""

    directory: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    servers: list[LiveServer] = field(default_factory=list)
    _template: Database | None = None

    def start(self, env: Mapping[str, str | None] | None = None) -> LiveServer:
        """A running server on a fresh copy of the seeded database, with env overrides."""
        database = self._seeded_template().copy()
        number = len(self.servers) + 1
        server = LiveServer(
            database=database,
            env=server_env(database, f"rapport-browser-{self.run_id}-{number}", env or {}),
            log_path=self.directory / f"daphne-{number}.log",
        )
        self.servers.append(server)
        server.start()
        return server

    def _seeded_template(self) -> Database:
        if self._template is None:
            template = database_create(self.directory)
            self._template = template
            env = server_env(template, f"rapport-browser-{self.run_id}-seed", {})
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo")
            # The demo logins have read the first-login notice; a test that wants to see the
            # notice makes a user of its own.
            manage(env, "shell", "--command", ACKNOWLEDGE_DEMO_NOTICES)
        return self._template

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()
            server.database.drop()
            _redis_forget(server.env)
        if self._template is not None:
            self._template.drop()


def _redis_forget(env: Mapping[str, str]) -> None:
    """Delete the keys a server left in Redis under its own prefix."""
    url, prefix = env.get("REDIS_URL"), env.get("REDIS_KEY_PREFIX")
    if not url or not prefix:
        return
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
