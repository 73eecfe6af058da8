"""Cost and first-token latency of the standard 20-turn practice conversation.

Everything real but the model: a daphne server running the app, the real anthropic SDK inside
it, and the project's local Messages API server (fakeapi) answering with usage that honours
cache_control, each model's minimum cacheable length and the 5-minute lifetime. Students talk
over the socket in JSON mode. Costs are what the app stored, from the usage the server reported.
"""

import asyncio
import json
import time
import uuid
from decimal import Decimal

from django.db.models import Sum
from websockets.asyncio.client import connect

from benchmarks.harness import ROOT, bench_database, daphne, percentile, session_cookie_for, table
from fakeapi.replies import CLIENT_SENTENCES
from fakeapi.server import FakeServer
from sessions_app.money import usd

SCRIPT = ROOT / "benchmarks" / "scripts" / "standard-20-turns.json"
CARD = ROOT / "clients" / "demo_cards" / "maya-torres.json"
MODELS = ("claude-haiku-5-5", "claude-haiku-4-5")
MIN_CACHEABLE = (1024, 2048, 4096)
SENTENCES_PER_REPLY = 4  # about 60 output tokens: a talkative client, so costs are not flattered
FIRST_TOKEN_MS = 300
TOKENS_PER_SECOND = 80
LATENCY_CONVERSATIONS = 5
UNLIMITED = {
    "LIMIT_MESSAGES_PER_MINUTE": "100000",
    "LIMIT_GLOBAL_REQUESTS_PER_MINUTE": "100000",
    "LIMIT_GLOBAL_TOKENS_PER_MINUTE": "1000000000",
    "LIMIT_USER_DAILY_TOKENS": "1000000000",
    "LIMIT_SESSION_COST_USD": "100",
    "SOCKET_FRAMES_PER_SECOND": "1000",
}


def talkative_reply(body: dict) -> str:
    turn = sum(1 for message in body.get("messages", []) if message.get("role") == "user")
    return " ".join(
        CLIENT_SENTENCES[(turn * SENTENCES_PER_REPLY + step) % len(CLIENT_SENTENCES)]
        for step in range(SENTENCES_PER_REPLY)
    )


def student_turns() -> list[str]:
    return json.loads(SCRIPT.read_text())["student_turns"]


def new_session(username: str, model: str):
    from accounts.models import User
    from clients.cards import cards_parse
    from clients.services import clients_import
    from sessions_app.services import session_start

    teacher, _ = User.objects.get_or_create(username="bench-teacher", defaults={"role": "teacher"})
    student, _ = User.objects.get_or_create(username=username)
    card = cards_parse(CARD.read_text(), source=CARD.name)
    client = clients_import(cards=card, owner=teacher, publish=True, on_existing="copy").created[0]
    return student, session_start(
        student=student, client=client, model=model, prompt_version="bench"
    )


async def converse(ws_url: str, cookie: str, session_id, turns: list[str]) -> list[float]:
    """Hold the conversation; return the time to the first reply text at the socket, per turn."""
    first_text_ms = []
    async with connect(
        f"{ws_url}/ws/sessions/{session_id}/",
        additional_headers={"Cookie": cookie},
        origin=ws_url.replace("ws://", "http://"),
        subprotocols=["rapport.v1.json"],
    ) as socket:
        for text in turns:
            sent = time.perf_counter()
            await socket.send(
                json.dumps(
                    {"type": "student_message", "content": text, "client_msg_id": str(uuid.uuid4())}
                )
            )
            first = None
            while True:
                event = json.loads(await socket.recv())
                if event["type"] == "reply.delta" and first is None:
                    first = (time.perf_counter() - sent) * 1000
                if event["type"] in ("reply.completed", "reply.failed", "error"):
                    if event["type"] != "reply.completed":
                        raise RuntimeError(f"turn failed: {event}")
                    break
            first_text_ms.append(first)
    return first_text_ms


def cost_rows(env: dict[str, str]) -> list[list[str]]:
    from sessions_app.models import PracticeSession

    rows = []
    fake = FakeServer(reply=talkative_reply).start()
    try:
        for caching in (True, False):
            server_env = (
                env
                | UNLIMITED
                | {
                    "ANTHROPIC_API_KEY": "bench-key",
                    "ANTHROPIC_BASE_URL": fake.base_url,
                    "LLM_PROMPT_CACHING": str(caching).lower(),
                }
            )
            with daphne(server_env) as server:
                for model in MODELS:
                    for minimum in MIN_CACHEABLE:
                        fake.min_cacheable_tokens = minimum
                        fake.cache.clear()
                        student, session = new_session(f"cost-{model}-{minimum}-{caching}", model)
                        asyncio.run(
                            converse(
                                server.ws_url,
                                session_cookie_for(student),
                                session.id,
                                student_turns(),
                            )
                        )
                        _wait_for_coders(session)
                        rows.append(
                            _cost_row(PracticeSession.objects.get(pk=session.pk), caching, minimum)
                        )
    finally:
        fake.stop()
    return rows


def _wait_for_coders(session, seconds: float = 5) -> None:
    """The model coder of the last turn may answer just after its reply: wait for every turn's."""
    from conversations.models import TurnState

    deadline = time.monotonic() + seconds
    logged = TurnState.objects.filter(session=session)
    while time.monotonic() < deadline and logged.filter(coding_input_tokens=0).exists():
        time.sleep(0.05)


def _coding_cost(session) -> Decimal:
    from conversations.models import TurnState

    total = TurnState.objects.filter(session=session).aggregate(cost=Sum("coding_cost"))["cost"]
    return total or Decimal(0)


def _cost_row(session, caching: bool, minimum: int) -> list[str]:
    cost: Decimal = session.estimated_cost
    return [
        session.model,
        "on" if caching else "off",
        f"{minimum:,}",
        f"{session.input_tokens:,}",
        f"{session.cache_write_tokens:,}",
        f"{session.cache_read_tokens:,}",
        f"{session.output_tokens:,}",
        usd(cost),
        usd(_coding_cost(session)),
        "yes" if cost < Decimal("0.01") else "NO",
    ]


def latency_samples(env: dict[str, str]) -> tuple[float, list[float]]:
    """App-added first-token latency: at the socket, minus the server's configured delay.

    The server's very first turn (SDK client, connection pool, templates all cold) is reported
    on its own; the samples are the steady state that students see.
    """
    fake = FakeServer(
        first_token_ms=FIRST_TOKEN_MS,
        tokens_per_second=TOKENS_PER_SECOND,
        reply=talkative_reply,
        min_cacheable_tokens=2048,
    ).start()
    server_env = (
        env | UNLIMITED | {"ANTHROPIC_API_KEY": "bench-key", "ANTHROPIC_BASE_URL": fake.base_url}
    )
    try:
        with daphne(server_env) as server:
            student, session = new_session("latency-warmup", MODELS[0])
            cold = asyncio.run(
                converse(
                    server.ws_url, session_cookie_for(student), session.id, student_turns()[:1]
                )
            )[0]
            sessions = [
                new_session(f"latency-{n}", MODELS[0]) for n in range(LATENCY_CONVERSATIONS)
            ]
            conversations = [
                converse(server.ws_url, session_cookie_for(student), session.id, student_turns())
                for student, session in sessions
            ]

            async def all_at_once():
                return await asyncio.gather(*conversations)

            results = asyncio.run(all_at_once())
    finally:
        fake.stop()
    return cold - FIRST_TOKEN_MS, [
        sample - FIRST_TOKEN_MS for samples in results for sample in samples
    ]


def main() -> None:
    with bench_database() as env:
        print(
            "Cost of the standard 20-turn conversation (benchmarks/scripts/standard-20-turns.json)"
        )
        print(
            f"client card: {CARD.name}; replies of {SENTENCES_PER_REPLY} sentences (~60 tokens)\n"
        )
        headers = [
            "model",
            "caching",
            "min cacheable",
            "input",
            "cache write",
            "cache read",
            "output",
            "cost",
            "of which coding",
            "< $0.01",
        ]
        print(table(headers, cost_rows(env)))
        cold, samples = latency_samples(env)
        print(
            f"\nApp-added first-token latency at the socket ({LATENCY_CONVERSATIONS} concurrent "
            f"conversations x 20 turns, server first token {FIRST_TOKEN_MS} ms, "
            f"{TOKENS_PER_SECOND} tokens/s)"
        )
        print(
            table(
                ["samples", "p50 ms", "p95 ms", "max ms", "first turn after start ms"],
                [
                    [
                        str(len(samples)),
                        f"{percentile(samples, 0.5):.1f}",
                        f"{percentile(samples, 0.95):.1f}",
                        f"{max(samples):.1f}",
                        f"{cold:.1f}",
                    ]
                ],
            )
        )


if __name__ == "__main__":
    main()
