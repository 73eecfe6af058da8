"""Turn stored messages into the `messages` list the Messages API accepts.

Rules the API enforces (and the fake server checks): the list starts with a user turn,
alternates, and ends with the student's turn. Only complete student and client rows are sent;
system rows and failed, interrupted or still-streaming replies never are.

Caching: the newest student text carries a cache_control breakpoint, so the next turn reads
everything up to it from the cache. The per-turn note (trust, what may be revealed) goes in a
block after that breakpoint, because it changes every turn and would otherwise break the prefix.

Length: once the history passes the token budget, the oldest exchanges are dropped in steps of
WINDOW_STEP_EXCHANGES, not one at a time, so the cached prefix stays valid between steps.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from conversations.llm.tokens import estimate_tokens

CACHE_BREAKPOINT = {"type": "ephemeral"}
WINDOW_STEP_EXCHANGES = 6


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    text: str


def turns_from_rows(rows: Iterable[tuple[str, str, str]]) -> list[Turn]:
    """(role, status, content) rows in sequence order → alternating turns starting with the user.

    Consecutive turns of one side (a student who sent again after a failed reply) are merged,
    and a leading client turn is dropped: the opening statement lives in the system prompt.
    """
    turns: list[Turn] = []
    for role, status, content in rows:
        if status != "complete" or role not in ("student", "client") or not content.strip():
            continue
        api_role = "user" if role == "student" else "assistant"
        if not turns and api_role == "assistant":
            continue
        if turns and turns[-1].role == api_role:
            turns[-1] = Turn(api_role, f"{turns[-1].text}\n\n{content}")
        else:
            turns.append(Turn(api_role, content))
    return turns


def window_start(turns: list[Turn], budget_tokens: int) -> int:
    """Index of the first turn to send: 0 while within budget, then moving in whole steps."""
    sizes = [estimate_tokens(turn.text) for turn in turns]
    total = sum(sizes)
    start = 0
    step = 2 * WINDOW_STEP_EXCHANGES
    while total > budget_tokens and start + step < len(turns):
        total -= sum(sizes[start : start + step])
        start += step
    return start  # always even, so the window starts on a user turn


def api_messages(
    turns: list[Turn], *, note: str, budget_tokens: int, cache: bool = True
) -> list[dict]:
    """The request's messages; `turns` must end with the student's turn."""
    if not turns or turns[-1].role != "user":
        raise ValueError("A request must end with the student's turn.")
    window = turns[window_start(turns, budget_tokens) :]
    messages = [{"role": t.role, "content": [{"type": "text", "text": t.text}]} for t in window]
    last = messages[-1]["content"]
    if cache:
        last[0] = last[0] | {"cache_control": CACHE_BREAKPOINT}
    if note:
        last.append({"type": "text", "text": note})
    return messages


def system_blocks(system_prompt: str, *, cache: bool = True) -> list[dict]:
    block = {"type": "text", "text": system_prompt}
    return [block | {"cache_control": CACHE_BREAKPOINT} if cache else block]
