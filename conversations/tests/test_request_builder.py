"""The request's messages: what the API accepts, what is cached, a window that moves in steps."""

import itertools

import pytest

from conversations.llm.tokens import estimate_tokens
from conversations.request_builder import (
    WINDOW_STEP_EXCHANGES,
    Turn,
    api_messages,
    turns_from_rows,
    window_start,
)


def rows_for(exchanges: int, words: int = 40) -> list[tuple[str, str, str]]:
    rows = []
    for number in range(exchanges):
        rows.append(("student", "complete", f"question {number} " + "word " * words))
        rows.append(("client", "complete", f"answer {number} " + "word " * words))
    return rows


def test_only_complete_student_and_client_rows_are_sent():
    rows = [
        ("student", "complete", "Hello."),
        ("client", "failed", "I wa"),
        ("system", "complete", "Support text."),
        ("client", "interrupted", "Well"),
        ("student", "complete", "Are you there?"),
        ("client", "streaming", ""),
    ]
    assert turns_from_rows(rows) == [Turn("user", "Hello.\n\nAre you there?")]


def test_a_leading_client_turn_is_dropped():
    rows = [("client", "complete", "Hi."), ("student", "complete", "Hello.")]
    assert turns_from_rows(rows) == [Turn("user", "Hello.")]


def test_the_request_starts_with_the_user_and_alternates():
    turns = turns_from_rows([*rows_for(3), ("student", "complete", "Last.")])
    messages = api_messages(turns, note="", budget_tokens=100_000)
    roles = [message["role"] for message in messages]
    assert roles[0] == "user" and roles[-1] == "user"
    assert all(a != b for a, b in itertools.pairwise(roles))


def test_a_request_must_end_with_the_students_turn():
    with pytest.raises(ValueError, match="student's turn"):
        api_messages(
            [Turn("user", "Hi."), Turn("assistant", "Hello.")], note="", budget_tokens=1000
        )


def test_the_latest_turn_carries_the_breakpoint_and_the_note_comes_after_it():
    messages = api_messages(
        [Turn("user", "Hi.")], note="<direction>x</direction>", budget_tokens=1000
    )
    blocks = messages[-1]["content"]
    assert blocks[0] == {"type": "text", "text": "Hi.", "cache_control": {"type": "ephemeral"}}
    assert blocks[1] == {"type": "text", "text": "<direction>x</direction>"}


def test_earlier_turns_are_sent_exactly_as_before_so_the_cache_prefix_matches():
    turns = turns_from_rows([*rows_for(2), ("student", "complete", "Next.")])
    before = api_messages(turns[:-2], note="note one", budget_tokens=100_000)
    after = api_messages(turns, note="note two", budget_tokens=100_000)
    cached_block = before[-1]["content"][0]
    assert (
        after[len(before) - 1]["content"][0] | {"cache_control": {"type": "ephemeral"}}
        == cached_block
    )


def test_the_window_stays_whole_within_budget():
    turns = turns_from_rows([*rows_for(5), ("student", "complete", "Now.")])
    assert window_start(turns, budget_tokens=100_000) == 0


def test_past_the_budget_the_window_moves_in_whole_steps_and_starts_on_a_user_turn():
    turns = turns_from_rows([*rows_for(40), ("student", "complete", "Now.")])
    budget = 2000
    start = window_start(turns, budget)
    assert start > 0 and start % (2 * WINDOW_STEP_EXCHANGES) == 0
    assert turns[start].role == "user"
    assert sum(estimate_tokens(t.text) for t in turns[start:]) <= budget


def test_input_stops_growing_as_a_long_session_goes_on():
    sizes = []
    for exchanges in range(10, 120, 5):
        turns = turns_from_rows([*rows_for(exchanges), ("student", "complete", "Now.")])
        window = turns[window_start(turns, 3000) :]
        sizes.append(sum(estimate_tokens(t.text) for t in window))
    assert max(sizes) <= 3000


def test_the_window_only_moves_now_and_then_so_the_cache_survives_most_turns():
    starts = []
    for exchanges in range(10, 80):
        turns = turns_from_rows([*rows_for(exchanges), ("student", "complete", "Now.")])
        starts.append(window_start(turns, 3000))
    moves = sum(1 for a, b in itertools.pairwise(starts) if a != b)
    assert moves <= len(starts) // WINDOW_STEP_EXCHANGES + 1
