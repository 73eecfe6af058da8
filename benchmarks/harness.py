"""What every benchmark needs: a throwaway database, a real daphne server, logged-in sockets.

The benchmark process configures Django on the same database the server uses, so it can create
users and sessions with the ORM and read the results back, while the server does the work.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def bench_database() -> Iterator[dict[str, str]]:
    """A fresh SQLite file, migrated, with Django set up on it in this process."""
    folder = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    env = {"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "DJANGO_DEBUG": "true"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        yield env
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Server:
    url: str
    ws_url: str
    process: subprocess.Popen


@contextlib.contextmanager
def daphne(env: dict[str, str]) -> Iterator[Server]:
    """A real daphne process serving the app with `env` on top of this process's environment."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT,
            env=os.environ | env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(url, process, log)
            yield Server(url=url, ws_url=f"ws://127.0.0.1:{port}", process=process)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_healthy(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"daphne exited:\n{log.read().decode(errors='replace')}")
        if _healthy(url):
            return
        time.sleep(0.2)
    raise RuntimeError("daphne did not become healthy within 60 s")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return json.load(response)["status"] == "ok"
    except OSError:
        return False


def session_cookie_for(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; fine for the few hundred samples a benchmark takes."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])
