"""Load and latency: N students hold conversations at once over the socket, on PostgreSQL.

python -m benchmarks load [--students 200] [--think 3-9] [--first-token-ms 300]
                          [--tokens-per-second 80] [--shapes 1,2] [--turns 20]
(or the same as environment variables: LOAD_STUDENTS=50, LOAD_THINK=0, ...)

Shapes: `1` is one daphne process with the in-memory channel layer and cache; `1r` is one
process on Redis; `2` is two processes on Redis (channels_redis, django-redis), students split
across them round-robin. Each shape gets fresh students on a fresh daphne; the database
(rapport_bench_<random>) is created, migrated and dropped here.

Everything real but the model: the daphne processes serve the app (benchmarks/counting_asgi.py:
the app plus a statement counter), the real anthropic SDK inside them talks to the project's
fake Messages API, which runs in a process of its own (benchmarks/loadapi.py) and records when
it received each request and wrote each text piece. Students send the standard 20-turn script
in JSON mode, each waiting a random think time before each turn: 3-9 s by default, so each
student sends a turn every ~7 s, about four times as fast as people write a considered reply
(`--think 1-3` is the stress line; `--think 0` finds the ceiling).

Figures (all times from time.monotonic(), one clock for every process on the machine):
- app-added first token: the first reply.delta at the student's socket, minus the moment the
  student sent the turn, minus the fake server's configured first-token delay.
- per-token forwarding delay: for every text piece after the first, the moment the delta
  carrying it reached the socket minus the moment the fake server wrote it. The engine batches
  text after the first piece for at most 50 ms by design, so this is 0-50 ms plus transport.
- turns/s: completed turns (a student message and its complete reply) per second of wall time;
  each stores two messages.
- daphne CPU % is CPU time used per wall second; "waiting for a CPU %" is time its threads
  were runnable but not running (/proc schedstat): near 0 on a quiet machine, and the first
  thing to check before trusting a latency figure.
- memory: VmRSS of the daphne process(es) with N idle sockets minus with none, divided by N; peak
  is VmHWM at the end.
- statements per turn: SQL statements the daphne processes sent during a group of turns divided
  by the turns (counted by an execute_wrapper); transactions are commits. Turns 1-5 are compared
  with the last five to show the count does not grow with the history.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import connect

from benchmarks.conversation import CARD, UNLIMITED, student_turns
from benchmarks.harness import (
    PYTHON,
    ROOT,
    Server,
    bench_postgres_database,
    daphne,
    percentile,
    process_cpu_seconds,
    process_cpu_wait_seconds,
    process_memory_kib,
    session_cookie_for,
    stop,
    table,
)

LOG_DIR = Path(tempfile.gettempdir()) / "rapport-bench-load"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TURN_TIMEOUT_SECONDS = 60
CONNECTS_AT_ONCE = 25
SETTLE_SECONDS = 3
SHAPES = {"1": (1, False), "1r": (1, True), "2": (2, True)}
SHAPE_NAMES = {
    "1": "1 process, in-memory layer",
    "1r": "1 process, Redis",
    "2": "2 processes, Redis",
}


# --- Options ------------------------------------------------------------------------------


def parse_options(argv: list[str]) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m benchmarks load")
    parser.add_argument("--students", type=int, default=int(env("LOAD_STUDENTS", "200")))
    parser.add_argument("--turns", type=int, default=int(env("LOAD_TURNS", "20")))
    parser.add_argument(
        "--think",
        default=env("LOAD_THINK", "3-9"),
        help="seconds a student waits before each turn: a range lo-hi, or one number",
    )
    parser.add_argument(
        "--first-token-ms", type=float, default=float(env("LOAD_FIRST_TOKEN_MS", "300"))
    )
    parser.add_argument(
        "--tokens-per-second", type=float, default=float(env("LOAD_TOKENS_PER_SECOND", "80"))
    )
    parser.add_argument("--shapes", default=env("LOAD_SHAPES", "1,2"), help="1, 1r, 2")
    parser.add_argument(
        "--application",
        default=env("LOAD_APPLICATION", "benchmarks.counting_asgi:application"),
        help="the ASGI app daphne serves (config.asgi:application to run without the counter)",
    )
    options = parser.parse_args(argv)
    low, _, high = options.think.partition("-")
    options.think_range = (float(low), float(high or low))
    options.shape_list = [shape.strip() for shape in options.shapes.split(",") if shape.strip()]
    for shape in options.shape_list:
        if shape not in SHAPES:
            parser.error(f"unknown shape {shape!r}; choose from {', '.join(SHAPES)}")
    if not 1 <= options.turns <= len(student_turns()):
        parser.error(f"--turns must be 1..{len(student_turns())}")
    return options


# --- Fixtures (the benchmark process's own ORM, on the same database) ----------------------


@dataclass(frozen=True)
class Student:
    cookie: str
    session_id: uuid.UUID


def make_students(count: int, prefix: str) -> list[Student]:
    from accounts.models import User
    from clients.cards import cards_parse
    from clients.services import clients_import
    from sessions_app.services import session_start

    teacher = User.objects.create(username=f"{prefix}-teacher", role="teacher")
    card = cards_parse(CARD.read_text(), source=CARD.name)
    client = clients_import(cards=card, owner=teacher, publish=True, on_existing="copy").created[0]
    students = []
    for number in range(count):
        user = User.objects.create(username=f"{prefix}-{number}")
        session = session_start(
            student=user, client=client, model="claude-haiku-5-5", prompt_version="bench"
        )
        students.append(Student(session_cookie_for(user), session.id))
    return students


# --- The fake Messages API process ---------------------------------------------------------


@contextlib.contextmanager
def fake_api(first_token_ms: float, tokens_per_second: float):
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "benchmarks.loadapi",
            "--first-token-ms",
            str(first_token_ms),
            "--tokens-per-second",
            str(tokens_per_second),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = json.loads(process.stdout.readline())["base_url"]
        yield base_url, process
    finally:
        stop(process)


def _http_json(url: str, method: str = "GET") -> dict:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


# --- Students ------------------------------------------------------------------------------


@dataclass
class Turn:
    student: int
    index: int
    sent: float
    stored: float | None = None  # the student's own `message` event came back
    deltas: list[tuple[float, int]] = field(default_factory=list)  # (arrival, characters)
    key: str = ""
    error: str = ""


async def open_socket(ws_url: str, student: Student):
    return await connect(
        f"{ws_url}/ws/sessions/{student.session_id}/",
        additional_headers={"Cookie": student.cookie},
        origin=ws_url.replace("ws://", "http://"),
        subprotocols=["rapport.v1.json"],
        max_queue=None,
        open_timeout=60,
    )


async def take_turn(socket, number: int, index: int, text: str) -> Turn:
    turn = Turn(number, index, time.monotonic())
    content = ""
    try:
        await socket.send(
            json.dumps(
                {"type": "student_message", "content": text, "client_msg_id": str(uuid.uuid4())}
            )
        )
        async with asyncio.timeout(TURN_TIMEOUT_SECONDS):
            while True:
                event = json.loads(await socket.recv())
                now = time.monotonic()
                kind = event["type"]
                if kind == "message" and turn.stored is None:
                    turn.stored = now
                elif kind == "reply.delta":
                    content += event["text"]
                    turn.deltas.append((now, len(event["text"])))
                elif kind == "reply.completed":
                    if event["content"] != content:  # a delta never reached this socket
                        turn.error = "text_lost"
                    break
                elif kind in ("reply.failed", "error"):
                    turn.error = event.get("code") or event.get("error", {}).get("code", kind)
                    break
    except TimeoutError:
        turn.error = "timeout"
    except Exception as error:  # a closed socket, for one: counted, the run goes on
        turn.error = type(error).__name__
    turn.key = content.split(" ", 1)[0] if content else ""
    return turn


async def converse(socket, number: int, texts: list[tuple[int, str]], think, rng) -> list[Turn]:
    turns = []
    for index, text in texts:
        await asyncio.sleep(rng.uniform(*think))
        turn = await take_turn(socket, number, index, text)
        turns.append(turn)
        if turn.error in ("ConnectionClosedError", "ConnectionClosedOK"):
            break
    return turns


async def loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    """How late this (the students') event loop wakes up: a check on the client itself."""
    while not stop.is_set():
        before = time.monotonic()
        await asyncio.sleep(0.01)
        samples.append((time.monotonic() - before - 0.01) * 1000)


# --- One shape -----------------------------------------------------------------------------


@dataclass
class ShapeResult:
    shape: str
    students: int
    turns: list[Turn]
    schedule: dict
    phases: list[tuple[str, int, float, dict, dict]]  # (label, turns, seconds, before, after)
    idle_rss_kib: list[int]
    connected_rss_kib: list[int]
    peak_kib: list[int]
    cpu_seconds: list[float]
    cpu_wait_seconds: list[float]
    wall_seconds: float
    connect_errors: int
    lag_ms: list[float]
    log_tracebacks: int = 0


def phase_bounds(turns: int) -> list[tuple[int, int]]:
    if turns < 10:
        return [(0, turns)]
    if turns < 15:
        return [(0, 5), (turns - 5, turns)]
    return [(0, 5), (5, turns - 5), (turns - 5, turns)]


async def _warm_up(servers: list[Server], warmups: list[Student], script, fake_url: str) -> None:
    """Two turns on each server, so that the SDK, the pools and lazy imports are warm; the fake
    API then forgets them."""
    for server, warm in zip(servers, warmups, strict=True):
        socket = await open_socket(server.ws_url, warm)
        for index in range(2):
            await take_turn(socket, -1, index, script[index])
        await socket.close()
    await asyncio.to_thread(_http_json, f"{fake_url}/_fake/schedule/clear", "POST")


async def _open_sockets(servers: list[Server], students: list[Student]) -> list:
    """One socket per student, round-robin over the servers; None where the connect failed."""
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

    async def opened(number: int, student: Student):
        async with gate:
            try:
                return await open_socket(servers[number % len(servers)].ws_url, student)
            except Exception:
                return None

    return await asyncio.gather(*(opened(n, s) for n, s in enumerate(students)))


async def _run_phase(servers: list[Server], sockets: list, texts, rngs, options):
    """Every connected student takes the turns `texts`; returns the turns and the phase's
    (turns ok, seconds, statement counts before, after)."""
    before = await asyncio.to_thread(_counts, servers)
    started = time.monotonic()
    results = await asyncio.gather(
        *(
            converse(socket, number, texts, options.think_range, rngs[number])
            for number, socket in enumerate(sockets)
            if socket is not None
        )
    )
    seconds = time.monotonic() - started
    after = await asyncio.to_thread(_counts, servers)
    done = [turn for result in results for turn in result]
    ok = sum(1 for turn in done if not turn.error)
    return done, (ok, seconds, before, after)


def _cpu_since(pids: list[int], before: list[float], read) -> list[float]:
    return [read(pid) - b for pid, b in zip(pids, before, strict=True)]


async def run_shape(
    shape: str, servers: list[Server], students: list[Student], warmups: list[Student], options
) -> ShapeResult:
    script = student_turns()[: options.turns]
    await _warm_up(servers, warmups, script, options.fake_url)
    await asyncio.sleep(SETTLE_SECONDS)
    pids = [server.process.pid for server in servers]
    idle = [process_memory_kib(pid)["VmRSS"] for pid in pids]
    sockets = await _open_sockets(servers, students)
    await asyncio.sleep(SETTLE_SECONDS)
    connected = [process_memory_kib(pid)["VmRSS"] for pid in pids]

    lag: list[float] = []
    stop = asyncio.Event()
    lag_task = asyncio.create_task(loop_lag(lag, stop))
    rngs = [random.Random(number) for number in range(len(students))]
    cpu_before = [process_cpu_seconds(pid) for pid in pids]
    waits_before = [process_cpu_wait_seconds(pid) for pid in pids]
    started = time.monotonic()
    turns: list[Turn] = []
    phases = []
    for low, high in phase_bounds(options.turns):
        texts = list(enumerate(script))[low:high]
        done, phase = await _run_phase(servers, sockets, texts, rngs, options)
        turns += done
        phases.append((f"{low + 1}-{high}", *phase))
    wall = time.monotonic() - started
    cpu = _cpu_since(pids, cpu_before, process_cpu_seconds)
    cpu_wait = _cpu_since(pids, waits_before, process_cpu_wait_seconds)
    stop.set()
    await lag_task
    peak = [process_memory_kib(pid)["VmHWM"] for pid in pids]
    await asyncio.gather(*(socket.close() for socket in sockets if socket is not None))
    schedule = await asyncio.to_thread(_http_json, f"{options.fake_url}/_fake/schedule")
    return ShapeResult(
        shape=shape,
        students=len(students),
        turns=turns,
        schedule=schedule,
        phases=phases,
        idle_rss_kib=idle,
        connected_rss_kib=connected,
        peak_kib=peak,
        cpu_seconds=cpu,
        cpu_wait_seconds=cpu_wait,
        wall_seconds=wall,
        connect_errors=sum(1 for socket in sockets if socket is None),
        lag_ms=lag,
    )


def _counts(servers: list[Server]) -> dict:
    total: dict = {"statements": 0, "commit": 0, "rollback": 0, "is_usable": 0, "by_shape": {}}
    for server in servers:
        counts = _http_json(f"{server.url}/_bench/queries")
        total["statements"] += counts["statements"]
        for name in ("commit", "rollback", "is_usable"):
            total[name] += counts["transactions"].get(name, 0)
        for shape, number in counts["by_shape"].items():
            total["by_shape"][shape] = total["by_shape"].get(shape, 0) + number
    return total


@contextlib.contextmanager
def servers_for(shape: str, env: dict[str, str], options):
    processes, redis = SHAPES[shape]
    prefix = f"rapport-bench-{secrets.token_hex(4)}"
    shape_env = env | ({"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix} if redis else {})
    with contextlib.ExitStack() as stack:
        if redis:  # runs last, after the processes have stopped
            stack.callback(_forget_redis_keys, prefix)
        yield [
            stack.enter_context(
                daphne(
                    shape_env,
                    application=options.application,
                    log_path=LOG_DIR / f"daphne-{shape}-{number}.log",
                )
            )
            for number in range(processes)
        ]


def _forget_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# --- Figures -------------------------------------------------------------------------------


THROUGHPUT_HEADERS = [
    "shape",
    "turns ok",
    "errors",
    "app first token p50/95/99 ms",
    "per-token fwd p50/95/99 ms",
    "turns/s",
    "messages/s",
    "daphne CPU %",
    "waiting for a CPU %",
]
BREAKDOWN_HEADERS = [
    "shape",
    "send->own turn echoed",
    "send->API request",
    "fake API late",
    "API wrote->socket",
    "client loop lag p99/max",
]
QUERY_HEADERS = ["shape", "turns", "statements", "transactions", "health checks", "round trips"]


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    return "/".join(f"{percentile(values, p):.0f}" for p in (0.5, 0.95, 0.99))


@dataclass
class Figures:
    first_token: list[float] = field(default_factory=list)
    accepted: list[float] = field(default_factory=list)  # send -> own message event
    to_provider: list[float] = field(default_factory=list)  # send -> fake server got request
    fake_late: list[float] = field(default_factory=list)  # fake server's own overshoot
    first_forward: list[float] = field(default_factory=list)  # fake wrote -> socket got
    per_token: list[float] = field(default_factory=list)
    unmatched: int = 0


def figures_of(result: ShapeResult, first_token_ms: float) -> Figures:
    figures = Figures()
    for turn in result.turns:
        if turn.error or not turn.deltas:
            continue
        figures.first_token.append((turn.deltas[0][0] - turn.sent) * 1000 - first_token_ms)
        if turn.stored is not None:
            figures.accepted.append((turn.stored - turn.sent) * 1000)
        plan = result.schedule.get(turn.key)
        if plan is None or not plan["pieces"]:
            figures.unmatched += 1
            continue
        pieces = plan["pieces"]
        figures.to_provider.append((plan["received"] - turn.sent) * 1000)
        figures.fake_late.append((pieces[0][0] - plan["received"]) * 1000 - first_token_ms)
        figures.first_forward.append((turn.deltas[0][0] - pieces[0][0]) * 1000)
        arrivals, received = iter(turn.deltas), 0
        arrival = None
        written = 0
        for number, (emitted, characters) in enumerate(pieces):
            written += characters
            while received < written:
                arrival, size = next(arrivals, (None, written))
                received += size
            if number and arrival is not None:
                figures.per_token.append((arrival - emitted) * 1000)
    return figures


def per_turn(phase, name: str) -> float:
    _, ok, _, before, after = phase
    return (after[name] - before[name]) / ok if ok else float("nan")


def _throughput_row(result: ShapeResult, figures: Figures) -> list[str]:
    errors = sum(1 for turn in result.turns if turn.error) + result.connect_errors
    ok = sum(1 for turn in result.turns if not turn.error)
    active = sum(phase[2] for phase in result.phases)
    return [
        SHAPE_NAMES[result.shape],
        f"{ok}",
        f"{errors}",
        _ms(figures.first_token),
        _ms(figures.per_token),
        f"{ok / active:.1f}",
        f"{2 * ok / active:.1f}",
        "/".join(f"{100 * cpu / result.wall_seconds:.0f}" for cpu in result.cpu_seconds),
        "/".join(f"{100 * wait / result.wall_seconds:.0f}" for wait in result.cpu_wait_seconds),
    ]


def _breakdown_row(result: ShapeResult, figures: Figures) -> list[str]:
    return [
        SHAPE_NAMES[result.shape],
        _ms(figures.accepted),
        _ms(figures.to_provider),
        _ms(figures.fake_late),
        _ms(figures.first_forward),
        f"{percentile(result.lag_ms, 0.99):.0f}/{max(result.lag_ms, default=0):.0f}",
    ]


def _mib(values: list[int]) -> str:
    return " + ".join(f"{kib / 1024:.0f}" for kib in values)


def _memory_row(result: ShapeResult) -> list[str]:
    added = sum(result.connected_rss_kib) - sum(result.idle_rss_kib)
    return [
        SHAPE_NAMES[result.shape],
        _mib(result.idle_rss_kib),
        _mib(result.connected_rss_kib),
        f"{added / max(1, result.students - result.connect_errors):.0f}",
        _mib(result.peak_kib),
    ]


def _query_rows(result: ShapeResult) -> list[list[str]]:
    rows = []
    for phase in result.phases:
        statements, commits, checks = (
            per_turn(phase, name) for name in ("statements", "commit", "is_usable")
        )
        rows.append(
            [
                SHAPE_NAMES[result.shape],
                phase[0],
                f"{statements:.1f}",
                f"{commits:.1f}",
                f"{checks:.1f}",
                f"{statements + checks + 2 * commits:.1f}",
            ]
        )
    return rows


def _print_errors(result: ShapeResult) -> None:
    kinds: dict[str, int] = {}
    for turn in result.turns:
        if turn.error:
            kinds[turn.error] = kinds.get(turn.error, 0) + 1
    if result.log_tracebacks:
        kinds["tracebacks in the daphne logs"] = result.log_tracebacks
    if kinds or result.connect_errors:
        print(
            f"{SHAPE_NAMES[result.shape]} errors: {kinds}, failed connects {result.connect_errors}"
        )


def _print_statement_kinds(last: ShapeResult) -> None:
    """Statements per turn by kind, over the last phase of the last shape."""
    label, ok, _, before, after = last.phases[-1]
    shapes = {
        name: (count - before["by_shape"].get(name, 0)) / ok
        for name, count in after["by_shape"].items()
        if count - before["by_shape"].get(name, 0) and ok
    }
    print(f"\nStatements per turn by kind ({SHAPE_NAMES[last.shape]}, turns {label})")
    print(
        table(
            ["statement", "per turn"],
            [[name, f"{count:.2f}"] for name, count in sorted(shapes.items(), key=lambda i: -i[1])],
        )
    )


def report(results: list[ShapeResult], options) -> None:
    print(
        f"{options.students} students x {options.turns} turns in JSON mode, think {options.think} "
        f"s before each turn; fake API: first token {options.first_token_ms:g} ms, "
        f"{options.tokens_per_second:g} tokens/s, ~60-token replies; PostgreSQL"
    )
    rows, breakdown, memory, queries = [], [], [], []
    for result in results:
        figures = figures_of(result, options.first_token_ms)
        rows.append(_throughput_row(result, figures))
        breakdown.append(_breakdown_row(result, figures))
        memory.append(_memory_row(result))
        queries += _query_rows(result)
        _print_errors(result)
    print("\n" + table(THROUGHPUT_HEADERS, rows))
    print("\nWhere the first token's time goes (p50/p95/p99 ms)")
    print(table(BREAKDOWN_HEADERS, breakdown))
    print("\nMemory (MiB per daphne process; KiB per idle connection)")
    print(
        table(
            ["shape", "RSS, no sockets", f"RSS, {options.students} idle", "KiB/conn", "peak"],
            memory,
        )
    )
    print(
        "\nDatabase work per turn, by turns of the conversation (round trips = statements + "
        "health checks + BEGIN and COMMIT of each transaction)"
    )
    print(table(QUERY_HEADERS, queries))
    _print_statement_kinds(results[-1])


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv or [])
    # Production settings (DEBUG off: no query log, no debug cursor). This process signs the
    # students' session cookies, so it shares the servers' secret key.
    production = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    os.environ.update(production)
    server_env = UNLIMITED | production | {"ANTHROPIC_API_KEY": "bench-key", "LOG_LEVEL": "INFO"}
    results = []
    LOG_DIR.mkdir(exist_ok=True)
    with (
        fake_api(options.first_token_ms, options.tokens_per_second) as (fake_url, _),
        bench_postgres_database() as env,
    ):
        options.fake_url = fake_url
        server_env |= env | {"ANTHROPIC_BASE_URL": fake_url}
        for shape in options.shape_list:
            students = make_students(options.students, f"load-{shape}")
            warmups = make_students(SHAPES[shape][0], f"warm-{shape}")
            with servers_for(shape, server_env, options) as servers:
                results.append(asyncio.run(run_shape(shape, servers, students, warmups, options)))
            results[-1].log_tracebacks = sum(
                log.read_text(errors="replace").count("Traceback")
                for log in LOG_DIR.glob(f"daphne-{shape}-*.log")
            )
            from django.db import connections

            connections.close_all()
    report(results, options)
    print(f"\ndaphne logs: {LOG_DIR}")


if __name__ == "__main__":
    main(sys.argv[1:])
