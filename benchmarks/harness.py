"""What every benchmark needs: a throwaway database, a real daphne server, logged-in sockets.

The benchmark process configures Django on the same database the server uses, so it can create
users and sessions with the ORM and read the results back, while the server does the work.
"""

import contextlib
import json
import os
import secrets
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


POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


@contextlib.contextmanager
def bench_postgres_database(
    server_url: str = POSTGRES_URL, *, debug: bool = False
) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database (rapport_bench_<random>), migrated, dropped at the end: the one
    PostgreSQL helper of every benchmark.

    `server_url` names the server, not a database (BENCH_POSTGRES_URL overrides the default);
    Django is set up on the new database in this process, as with bench_database(), with
    DJANGO_DEBUG on when `debug` (as bench_database() has it).
    """
    import psycopg

    name = f"rapport_bench_{secrets.token_hex(4)}"
    admin = f"{server_url.rstrip('/')}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env = {"DATABASE_URL": f"{server_url.rstrip('/')}/{name}"}
    if debug:
        env["DJANGO_DEBUG"] = "true"
    try:
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield env
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Server:
    url: str
    ws_url: str
    process: subprocess.Popen


@contextlib.contextmanager
def daphne(
    env: dict[str, str], application: str = "config.asgi:application", log_path: Path | None = None
) -> Iterator[Server]:
    """A real daphne process serving the app with `env` on top of this process's environment.

    Its output goes to `log_path` when given (kept), else to a temporary file.
    """
    port = free_port()
    with open(log_path, "w+b") if log_path else tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), application],
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
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ask a server to stop; one that has not after ten seconds is killed."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
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
    from accounts.testing import session_cookie  # after django.setup()

    return session_cookie(user)


def process_memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in KiB, from /proc/<pid>/status."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu_wait_seconds(pid: int) -> float:
    """Time the process's threads were runnable but not running (/proc/<pid>/task/*/schedstat).

    Near zero on a quiet machine; large when other work competes for the cores.
    """
    waited = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            waited += int((task / "schedstat").read_text().split()[1])
    return waited / 1e9


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
