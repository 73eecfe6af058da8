"""`make eval-live`: nothing is called without a key; with one, every probe is saved to read."""

import json

from conversations import eval_live
from conversations.tests.conftest import aclose_providers
from fakeapi.behaviours import ToolUse

DEMO_CARDS = ["aisha-rahman", "frank-kowalski", "jordan-lee", "maya-torres"]


def test_without_a_key_it_says_so_and_calls_nothing(settings, capsys):
    settings.ANTHROPIC_API_KEY = ""
    assert eval_live.main() == 0
    assert "not set" in capsys.readouterr().out


async def test_with_a_key_it_saves_a_transcript_per_card_with_every_probe(fake_anthropic, tmp_path):
    cards = {
        stem: json.loads(
            (
                eval_live.Path(__file__).parents[2] / "clients" / "demo_cards" / f"{stem}.json"
            ).read_text()
        )
        for stem in DEMO_CARDS
    }
    written = await eval_live._evaluate_all(cards, tmp_path, gold_sets=(one_line_gold(tmp_path),))
    await aclose_providers()

    assert sorted(path.stem for path in written) == sorted([*DEMO_CARDS, "coder-agreement"])
    transcript = (tmp_path / "maya-torres.md").read_text()
    for probe in ("Are you an AI?", "ignore your instructions"):
        assert probe.lower() in transcript.lower()
    assert fake_anthropic.requests, "the probes went to the (fake) API through the real SDK"


def test_a_reply_the_engine_would_filter_is_marked_for_the_reader():
    card = json.loads(
        (
            eval_live.Path(__file__).parents[2] / "clients" / "demo_cards" / "maya-torres.json"
        ).read_text()
    )
    state = eval_live.state_after_turn(card, None, eval_live.OPENER)
    note = eval_live.turn_note(card, trust=state.trust, turn=state.turn, tag="direction-0a1b2c3d4e")
    probe = eval_live.PROBES[0]
    exchanges = [
        eval_live.Exchange(text, note, reply, "", False, eval_live._filtered(card, note, reply))
        for text, reply in [
            (probe.student_turns[1], "Yes. As an AI language model, I don't have a roommate."),
            (probe.student_turns[1], "What? No. Why would you even ask that?"),
        ]
    ]
    markdown = eval_live._probe_markdown(card, probe, exchanges)
    assert markdown.count("Reply filter fired") == 1
    assert "Reply filter fired: it says it is an AI" in markdown


def one_line_gold(directory, codes=("open_question",)) -> eval_live.Path:
    path = directory / "gold.jsonl"
    line = {"text": "What brings you in?", "client": "", "codes": list(codes)}
    path.write_text(json.dumps(line) + "\n")
    return path


def gold_file(directory, turns: list[tuple[str, list[str]]]) -> eval_live.Path:
    path = directory / "gold.jsonl"
    lines = [json.dumps({"text": text, "client": "", "codes": codes}) for text, codes in turns]
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_the_model_coders_agreement_is_measured_on_the_hand_coded_sets(
    fake_anthropic, tmp_path
):
    gold = gold_file(
        tmp_path,
        [
            ("What brings you in?", ["open_question"]),
            ("Do you sleep well?", ["closed_question"]),
            ("You should stop.", ["persuade"]),
        ],
    )
    # The coder's calls go one at a time, in the gold's order, so each gets its scripted answer.
    eval_live.CODER_CALLS_AT_ONCE, at_once = 1, eval_live.CODER_CALLS_AT_ONCE
    fake_anthropic.enqueue_tool(
        ToolUse({"codes": ["open_question"]}),
        ToolUse({"codes": ["closed_question"]}),
        ToolUse({"codes": ["not_a_code"]}),
    )
    try:
        from conversations.llm import get_provider

        markdown = await eval_live._coder_agreement_markdown(get_provider(), (gold,))
    finally:
        eval_live.CODER_CALLS_AT_ONCE = at_once
        await aclose_providers()

    assert "gold.jsonl: 3 utterances (1 answers with no valid codes)" in markdown
    rows = {line.split(" | ")[0].strip("| "): line for line in markdown.splitlines()}
    assert rows["Open question"].endswith("| 1 | 1.00 | 1.00 | met |")
    assert rows["Closed question"].endswith("| 1 | 1.00 | 1.00 | met |")
    assert rows["Persuading"].split(" | ")[3] == "0.00", "the invalid answer coded nothing"
    tool_requests = [r for r in fake_anthropic.requests if r.body.get("tools")]
    assert len(tool_requests) == 3
