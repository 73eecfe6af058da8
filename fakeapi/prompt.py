"""A request's prompt as the cache sees it: blocks in order (tools, system, messages), each with
its token count and, where the request put one, its cache breakpoint.

Token counting is a deterministic stand-in for the real tokenizer: every text block counts
ceil(characters / 4) tokens, a tool definition counts its JSON the same way, and nothing is
added for roles or formatting. Real counts differ; what matters for tests and benchmarks is that
the same prompt always counts the same and that longer prompts count more.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

# The fake server counts tokens as Rapport estimates them: one rule, in one place.
from conversations.llm.tokens import estimate_tokens as count_tokens


@dataclass(frozen=True)
class PromptBlock:
    prefix_key: str  # identifies everything up to and including this block
    tokens: int
    cache_ttl: str | None  # "5m" or "1h" on a breakpoint, else None


def prompt_blocks(body: dict[str, Any]) -> list[PromptBlock]:
    """Flatten a (validated) request body into blocks, chaining a hash through the prefix."""
    pieces: list[tuple[str, int, str | None]] = []
    for tool in body.get("tools") or []:
        canonical = json.dumps(_without_cache_control(tool), sort_keys=True)
        pieces.append((f"tool:{canonical}", count_tokens(canonical), _ttl(tool)))
    system = body.get("system") or []
    if isinstance(system, str):
        system = [{"type": "text", "text": system}]
    for block in system:
        pieces.append((f"system:{block['text']}", count_tokens(block["text"]), _ttl(block)))
    for message in body["messages"]:
        content = message["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        for position, block in enumerate(content):
            # A block that opens a message differs from the same text continuing the last one.
            opener = "new" if position == 0 else "cont"
            key = f"{message['role']}:{opener}:{block['text']}"
            pieces.append((key, count_tokens(block["text"]), _ttl(block)))
    if body.get("cache_control") and pieces:
        # Automatic caching: a top-level cache_control puts a breakpoint on the last block.
        key, tokens, _ = pieces[-1]
        pieces[-1] = (key, tokens, body["cache_control"].get("ttl", "5m"))

    blocks = []
    running = hashlib.sha256(f"model:{body['model']}".encode())
    for key, tokens, ttl in pieces:
        running.update(hashlib.sha256(key.encode()).digest())
        blocks.append(PromptBlock(running.copy().hexdigest(), tokens, ttl))
    return blocks


def _ttl(block: dict[str, Any]) -> str | None:
    control = block.get("cache_control")
    return control.get("ttl", "5m") if control else None


def _without_cache_control(block: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in block.items() if name != "cache_control"}
