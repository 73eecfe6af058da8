import json
from pathlib import Path

import pytest
from django.conf import settings

from conversations.safety import looks_like_real_crisis

STANDARD_SCRIPT = Path(settings.BASE_DIR) / "benchmarks" / "scripts" / "standard-20-turns.json"
STANDARD_TURNS: list[str] = json.loads(STANDARD_SCRIPT.read_text())["student_turns"]

STUDENT_IN_CRISIS = [
    "this is not role-play, I actually want to kill myself",
    "out of character: I'm not safe",
    "honestly I've been thinking of ending my life myself",
    "OOC - I'm really struggling and I can't go on like this",
    "Sorry to break character, but I have been feeling suicidal lately",
    "I want to die. Not the client, me.",
    "In real life I'm not okay and I need help",
    "Honestly I have been cutting myself again",
    "I don't want to be alive anymore",
    "I\u2019m not safe tonight",
    "I've been having thoughts of suicide for weeks",
    "Stepping out of the role-play for a second: I feel hopeless and I can't cope",
]

COUNSELOR_IN_ROLE = [
    "Has anything like that crossed your mind?",
    "Sometimes when people feel this overwhelmed, they have thoughts of hurting themselves.",
    "Have you had any thoughts of killing yourself?",
    "Are you thinking about ending your life?",
    'You said "I want to die" earlier. Can you tell me more about that?',
    "Is there a chance you might hurt yourself tonight?",
    "Do you feel safe at home?",
    "I know you want to die sometimes. What keeps you going?",
    "I ask everyone about suicidal thoughts, so I want to ask you too.",
    "I'm not sure I follow. Can you say more?",
    "I hear that you feel hopeless right now.",
    "Out of character: this client is hard, I'm not sure what to ask next.",
    "I thought she was going to die, you said. What was that like?",
    "What would you do if you felt you were not safe?",
]


@pytest.mark.parametrize("text", STUDENT_IN_CRISIS)
def test_it_fires_when_the_student_speaks_of_their_own_crisis(text: str) -> None:
    assert looks_like_real_crisis(text)


@pytest.mark.parametrize("text", COUNSELOR_IN_ROLE)
def test_it_stays_quiet_for_counselor_questions_about_risk(text: str) -> None:
    assert not looks_like_real_crisis(text)


@pytest.mark.parametrize("number", range(1, len(STANDARD_TURNS) + 1))
def test_it_stays_quiet_for_every_turn_of_the_standard_script(number: int) -> None:
    assert not looks_like_real_crisis(STANDARD_TURNS[number - 1])


def test_the_standard_script_has_twenty_turns() -> None:
    assert len(STANDARD_TURNS) == 20


def test_it_stays_quiet_for_an_empty_turn() -> None:
    assert not looks_like_real_crisis("")
