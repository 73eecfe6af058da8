"""Prompt caching as the Messages API describes it, simplified and deterministic.

- A cache_control breakpoint asks for the prefix up to and including its block to be cached.
- A prefix shorter than the model's minimum cacheable length is not cached, silently.
- Looking up a breakpoint checks its own block and the LOOKBACK_BLOCKS blocks before it for a
  cached prefix; the longest live one found (over all breakpoints) is read.
- Each breakpoint after that hit, long enough to cache, writes its prefix; what it adds beyond
  the read and earlier writes is reported as cache writes.
- An entry lives 5 minutes (or 1 hour for ttl "1h") from its last write or read.
- Usage follows the API: input_tokens counts only the tokens neither read nor written.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fakeapi.prompt import PromptBlock

LOOKBACK_BLOCKS = 20
TTL_SECONDS = {"5m": 5 * 60, "1h": 60 * 60}


@dataclass(frozen=True)
class CacheUsage:
    input_tokens: int
    cache_read_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int

    @property
    def cache_write_tokens(self) -> int:
        return self.cache_write_5m_tokens + self.cache_write_1h_tokens


@dataclass
class _Entry:
    ttl: str
    expires_at: float


class PromptCache:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._live_entries(self._clock()))

    def account(self, blocks: Sequence[PromptBlock], *, min_cacheable_tokens: int) -> CacheUsage:
        """Read and write the cache for one request; return its usage."""
        now = self._clock()
        entries = self._live_entries(now)
        cumulative = _running_totals(blocks)
        breakpoints = [index for index, block in enumerate(blocks) if block.cache_ttl]

        hit = _longest_hit(blocks, breakpoints, entries)
        covered = cumulative[hit] if hit is not None else 0
        read = covered
        if hit is not None:
            entry = entries[blocks[hit].prefix_key]
            entry.expires_at = now + TTL_SECONDS[entry.ttl]

        written = {"5m": 0, "1h": 0}
        for index in breakpoints:
            if (hit is not None and index <= hit) or cumulative[index] < min_cacheable_tokens:
                continue
            ttl = blocks[index].cache_ttl or "5m"
            entries[blocks[index].prefix_key] = _Entry(ttl, now + TTL_SECONDS[ttl])
            written[ttl] += cumulative[index] - covered
            covered = cumulative[index]
        # Swapped in whole: another thread may be counting the entries.
        self._entries = entries

        total = cumulative[-1] if cumulative else 0
        return CacheUsage(
            input_tokens=total - covered,
            cache_read_tokens=read,
            cache_write_5m_tokens=written["5m"],
            cache_write_1h_tokens=written["1h"],
        )

    def _live_entries(self, now: float) -> dict[str, _Entry]:
        return {key: entry for key, entry in self._entries.items() if entry.expires_at > now}


def _running_totals(blocks: Sequence[PromptBlock]) -> list[int]:
    totals, running = [], 0
    for block in blocks:
        running += block.tokens
        totals.append(running)
    return totals


def _longest_hit(
    blocks: Sequence[PromptBlock], breakpoints: list[int], entries: dict[str, _Entry]
) -> int | None:
    hit = None
    for breakpoint_index in breakpoints:
        earliest = max(0, breakpoint_index - LOOKBACK_BLOCKS)
        for index in range(breakpoint_index, earliest - 1, -1):
            if blocks[index].prefix_key in entries:
                hit = index if hit is None else max(hit, index)
                break
    return hit
