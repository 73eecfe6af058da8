"""Real daphne processes for the multi-process, crash and fuzz tests.

Built on the browser harness's server management (tests/browser/server.py): the same LiveServer,
the same database kinds (a SQLite file, or a fresh PostgreSQL database when the run uses
PostgreSQL), the same environment rules. What is added here: several servers on *one* database
and one Redis prefix (as production runs them), restarting a server after a kill -9, objects
created in the servers' database, and a small JSON-mode socket client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.browser.server import (
    NO_PROXY,
    Database,
    LiveServer,
    _redis_forget,
    database_create,
    manage,
    server_env,
)

JSON_SUBPROTOCOL = "rapport.v1.json"
RECEIVE_TIMEOUT_SECONDS = 20


@dataclass
class Cluster:
    """Servers sharing one database and one Redis key prefix."""

    database: Database
    env: dict[str, str]
    directory: Path
    servers: list[LiveServer] = field(default_factory=list)

    def start(self) -> LiveServer:
        return self.start_many(1)[0]

    def start_many(self, count: int) -> list[LiveServer]:
        """`count` servers started side by side (each waits for its own /healthz)."""
        servers = [
            LiveServer(
                database=self.database,
                env=self.env,
                log_path=self.directory / f"daphne-{len(self.servers) + number}.log",
            )
            for number in range(1, count + 1)
        ]
        self.servers += servers
        with ThreadPoolExecutor(max_workers=count) as pool:
            for started in [pool.submit(server.start) for server in servers]:
                started.result()
        return servers

    def shell(self, code: str) -> str:
        """Run Python against the shared database in `manage.py shell`; what it printed."""
        return manage(self.env, "shell", "--verbosity", "0", "--command", code).strip()

    def shell_json(self, code: str) -> Any:
        return json.loads(self.shell(code).splitlines()[-1])

    def logs(self) -> str:
        return "\n".join(f"--- {s.log_path.name}\n{s.log()}" for s in self.servers)


@contextlib.contextmanager
def cluster(
    directory: Path,
    env: Mapping[str, str | None] | None = None,
    database: Database | None = None,
) -> Iterator[Cluster]:
    """A migrated database of this run's kind (or `database`, empty) and a unique Redis prefix;
    everything is stopped, dropped and forgotten on the way out (daphne processes, the
    database, the Redis keys)."""
    database = database or database_create(directory)
    prefix = f"rapport-proc-{uuid.uuid4().hex[:10]}"
    running = Cluster(database, server_env(database, prefix, env or {}), directory)
    try:
        manage(running.env, "migrate", "--noinput")
        yield running
    finally:
        for server in running.servers:
            kill(server)
        database.drop()
        _redis_forget(running.env)


def kill(server: LiveServer) -> None:
    """kill -9: no shutdown handlers, no finally blocks, as a crash or an OOM kill."""
    process, server.process = server.process, None
    if process is not None and process.poll() is None:
        process.kill()
        process.wait(timeout=10)


PEOPLE_CODE = """
import json
from django.utils import timezone
from accounts.models import NOTICE_VERSION, User
from accounts.testing import session_cookie as cookie
from clients.models import ClientProfile
from sessions_app.services import session_start

def user(name, **extra):
    return User.objects.create_user(
        username=name, password=None, notice_version=NOTICE_VERSION,
        notice_acknowledged_at=timezone.now(), **extra)

teacher = user("proc-teacher", role="teacher")
student = user("proc-student", role="student")
other = user("proc-other", role="student")
staff = user("proc-staff", role="teacher", is_staff=True)
client = ClientProfile.objects.create(
    owner=teacher, name="Dana", presenting_problem="Cannot sleep.", is_published=True,
    opening_statement="Hi.")
session = session_start(student=student, client=client, prompt_version="processes")
others = session_start(student=other, client=client, prompt_version="processes")
print(json.dumps({
    "session": str(session.pk), "other_session": str(others.pk),
    "student": cookie(student), "other": cookie(other), "staff": cookie(staff)}))
"""


def people(running: Cluster) -> dict[str, str]:
    """A student with a session, another student with one, staff: ids and session cookies."""
    return running.shell_json(PEOPLE_CODE)


def http_get(server: LiveServer, path: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(
        server.url + path, headers={"Cookie": cookie} if cookie else {}
    )
    with NO_PROXY.open(request, timeout=10) as response:
        return response.status, response.read().decode()


# --- Sockets ------------------------------------------------------------------------------------


def open_socket(
    server: LiveServer, path: str, cookie: str, *, json_mode: bool = True
) -> contextlib.AbstractAsyncContextManager[ClientConnection]:
    return connect(
        server.ws_url + path,
        additional_headers={"Cookie": cookie},
        origin=server.url,
        subprotocols=[JSON_SUBPROTOCOL] if json_mode else None,
        open_timeout=RECEIVE_TIMEOUT_SECONDS,
        max_size=2**22,
        max_queue=None,  # a socket read only now and then must not stall its keepalive pongs
    )


async def next_event(socket: ClientConnection, timeout: float = RECEIVE_TIMEOUT_SECONDS) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout))


async def events_until(
    socket: ClientConnection, done: Any, timeout: float = RECEIVE_TIMEOUT_SECONDS
) -> list[dict]:
    """Events up to and including the first for which done(event) is true."""
    deadline = time.monotonic() + timeout
    seen: list[dict] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"No event ended the wait within {timeout} s; got {seen}")
        seen.append(await next_event(socket, left))
        if done(seen[-1]):
            return seen


async def history(socket: ClientConnection, quiet: float = 1.0) -> list[dict]:
    """The events sent on connect (none for an empty session, in JSON mode): everything until
    the socket has been quiet for `quiet` s."""
    events = []
    with contextlib.suppress(TimeoutError):
        while True:
            events.append(await next_event(socket, quiet))
    return events


def student_turn(content: str, client_msg_id: str | None = None) -> str:
    return json.dumps(
        {
            "type": "student_message",
            "content": content,
            "client_msg_id": client_msg_id or str(uuid.uuid4()),
        }
    )


def is_reply_end(event: dict) -> bool:
    return event["type"] in ("reply.completed", "reply.failed")
