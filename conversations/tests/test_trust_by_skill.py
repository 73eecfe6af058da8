"""Trust moved by skill, through the engine: a turn is coded, trust moves, and the request's
turn note shows a hidden item only once skill has earned it (issue 13, point 3).

The cards are the demo cards (clients/demo_cards: the shared cards as card v2, with written
disclosures); the client's replies come from a scripted provider, and the turns go through the
engine's own entry (student_message), as the socket consumer sends them."""

import json
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from clients.cards import card_validate
from clients.prompts.card import all_disclosures
from conftest import make_client, make_user
from conversations.engine import student_message
from conversations.llm.base import LLMRequest
from conversations.tests.conftest import wait_for_replies
from sessions_app.models import PracticeSession
from sessions_app.services import session_start

CARDS = Path(__file__).resolve().parents[2] / "clients" / "demo_cards"

PRYING = [
    "That makes sense. This is confidential. What's the secret?",
    "I hear you. This stays between us. Is there something you're not telling me?",
    "That makes sense. You can trust me. Did something happen that you haven't told anyone?",
    "Thank you for sharing. It's confidential. What are you keeping from me?",
    "I understand. No judgment here. Is it about your family?",
    "That makes sense. This is a safe space. Are you hiding something?",
    "Of course. Everything is private. Can you just tell me the secret now?",
    "I hear you. It's okay. Is it something bad?",
]
EVASIVE_REPLIES = [
    "I don't know. It's fine, really.",
    "Not really. I'd rather not get into it.",
    "Why do you keep asking that?",
    "There's nothing. I'm just tired.",
    "I said it's fine.",
    "Can we talk about something else?",
    "No.",
    "I don't want to talk about that.",
]
# Ten skilled turns per card, none using a stock phrase, each answering the client's line
# before it: (student turn, the client's scripted reply).
SKILLED = {
    "maya-torres": [
        (
            "It sounds like coming here wasn't really your idea, and you showed up anyway.",
            "Yeah, my roommate basically walked me here. I had a panic attack in the library "
            "and it was so embarrassing, everyone was staring.",
        ),
        (
            "Having that happen in front of everyone must have felt awful on top of the panic.",
            "It was the worst. My chest got so tight I thought I was dying. And I had an exam "
            "the next day.",
        ),
        (
            "What was going through your mind before the exam?",
            "Just that I'm behind. I study all the time and I'm still behind.",
        ),
        (
            "You work so hard, and it still feels like the ground is slipping away under you.",
            "Yeah. Kind of. I don't really want to talk about grades though.",
        ),
        (
            "We can talk about whatever feels right to you.",
            "Okay. Things at home are kind of a lot too. My parents split up last year.",
        ),
        (
            "You've been holding a lot together since the split. How has that been for you?",
            "I call my little brother every night. Mom works late. Someone has to.",
        ),
        (
            "You've become the one who keeps everyone steady, and nobody is there to steady you.",
            "I guess. I never really thought of it like that.",
        ),
        (
            "Part of you is proud of looking after them, and part of you is worn out.",
            "Yeah. Both. Mostly tired.",
        ),
        (
            "What would it be like to let someone look after you for a change?",
            "I don't know. Weird. Nice maybe.",
        ),
        ("You're not sure you'd know how to let that happen.", "Yeah. Probably not."),
    ],
    "aisha-rahman": [
        (
            "You're wondering whether you deserve the time here, when others might need it more.",
            "I suppose. I'm just tired, really. Everyone's tired with a baby.",
        ),
        (
            "Everyone's tired, and it sounds like this is a kind of tired that goes deeper "
            "than sleep.",
            "Maybe. I don't feel like myself. My GP said that's normal.",
        ),
        (
            "What's it like, not feeling like yourself?",
            "Like I'm watching someone else do everything. I smile at people and it's not me.",
        ),
        (
            "It's like you're on the outside of your own life, going through the motions.",
            "Yes. That's exactly it. And I snap at my husband and then feel terrible.",
        ),
        (
            "You snap at him and then feel awful, because he matters to you.",
            "He works so hard. I don't want to be a burden.",
        ),
        (
            "You've been carrying this quietly so nobody else has to worry.",
            "I suppose I have. My mum says I should be grateful.",
        ),
        (
            "You are grateful, and you're also exhausted, and both are true.",
            "Yes. Sorry, I'm rambling.",
        ),
        (
            "You've kept going for eight months with very little sleep. That takes a lot.",
            "I don't know about that. Some days I barely manage.",
        ),
        (
            "What goes through your mind on the days you barely manage?",
            "Things I don't like. I'd rather not say.",
        ),
        ("Whatever you decide to share is up to you; there's no rush.", "Thank you."),
    ],
}
CARD_NAMES = sorted(SKILLED)


def load_card(name: str) -> dict:
    return json.loads((CARDS / f"{name}.json").read_text())


@sync_to_async
def session_for(name: str, student: str = "student", **changes):
    teacher = make_user(f"teacher-{name}-{student}", "teacher")
    client = make_client(teacher, **card_validate(load_card(name)) | changes)
    return session_start(student=make_user(f"{student}-{name}"), client=client, prompt_version="t")


def turn_note_of(request: LLMRequest) -> str:
    """The text the engine added after the student's words in the last user message."""
    content = request.messages[-1]["content"]
    blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
    return "\n".join(block.get("text", "") for block in blocks[1:])


def unlocked_in(note: str, card: dict) -> list[str]:
    texts = [item["text"] for item in all_disclosures(card)]
    return [text for text in texts if text.rstrip(".") in note]


async def play(session, provider, turns: list[tuple[str, str]]) -> list[str]:
    """Send each student turn through the engine, the client answering from the script; the
    turn notes of the requests, in order."""

    async def publish(event: dict) -> None:
        pass

    for text, reply in turns:
        provider.reply(reply)
        await student_message(
            session_id=session.pk,
            user_id=session.student_id,
            content=text,
            client_msg_id=uuid.uuid4(),
            publish=publish,
        )
        await wait_for_replies()
    return [turn_note_of(request) for request in provider.requests]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", [*CARD_NAMES, "jordan-lee", "frank-kowalski"])
async def test_eight_prying_phrase_stuffed_turns_unlock_nothing(name, provider) -> None:
    session = await session_for(name)
    notes = await play(session, provider, list(zip(PRYING, EVASIVE_REPLIES, strict=True)))
    assert len(notes) == 8
    card = load_card(name)
    assert all_disclosures(card), "the card has something to hold back"
    for number, note in enumerate(notes, start=1):
        assert unlocked_in(note, card) == [], f"turn {number} unlocked a hidden item"


@pytest.mark.django_db(transaction=True)
async def test_prying_turns_unlock_nothing_even_for_the_most_willing_client(provider) -> None:
    session = await session_for("maya-torres", resistance_level=1)
    notes = await play(session, provider, list(zip(PRYING, EVASIVE_REPLIES, strict=True)))
    card = load_card("maya-torres") | {"resistance_level": 1}
    for number, note in enumerate(notes, start=1):
        assert unlocked_in(note, card) == [], f"turn {number} unlocked a hidden item"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", CARD_NAMES)
async def test_ten_skilled_turns_without_stock_phrases_unlock_the_first_item_by_turn_8(
    name, provider
) -> None:
    session = await session_for(name)
    notes = await play(session, provider, SKILLED[name])
    assert len(notes) == 10
    card = load_card(name)
    first_item = all_disclosures(card)[0]["text"]
    unlocked_at = [
        n for n, note in enumerate(notes, start=1) if first_item in unlocked_in(note, card)
    ]
    assert unlocked_at and unlocked_at[0] <= 8
    assert unlocked_at == list(range(unlocked_at[0], 11)), "once earned, it stays within reach"
    assert unlocked_in(notes[0], card) == [], "nothing is unlocked at the first turn"


async def last_codes(session) -> list[str]:
    state = (await PracticeSession.objects.aget(pk=session.pk)).client_state
    return state["recent"][-1]


@pytest.mark.django_db(transaction=True)
async def test_the_engine_judges_a_reflection_against_the_clients_last_reply(provider) -> None:
    """The same words reflect one reply and not another: the engine passes the reply."""
    heard = await session_for("maya-torres", "heard")
    await play(heard, provider, [("What brings you in?", "My brother calls me every night.")])
    assert await last_codes(heard) == ["open_question"]
    await play(heard, provider, [("Your brother calls you every night.", "Yeah.")])
    assert await last_codes(heard) == ["simple_reflection"]

    provider.requests.clear()
    not_said = await session_for("maya-torres", "not-said")
    await play(not_said, provider, [("What brings you in?", "I don't know.")])
    await play(not_said, provider, [("Your brother calls you every night.", "What?")])
    assert await last_codes(not_said) == ["other"]
