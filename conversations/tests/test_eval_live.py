"""`make eval-live`: nothing is called without a key; with one, every probe is saved to read."""

import json

from conversations import eval_live
from conversations.tests.conftest import aclose_providers

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
    written = await eval_live._evaluate_all(cards, tmp_path)
    await aclose_providers()

    assert sorted(path.stem for path in written) == DEMO_CARDS
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
