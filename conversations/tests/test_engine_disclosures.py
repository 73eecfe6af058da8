"""The disclosure invariant through the real engine: a shared card imported, a prying first turn
over the socket, and the request the provider got (clients/tests/test_disclosure_*.py test the
builders; this checks that the engine sends nothing else)."""

import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from clients.prompts import level_trust
from clients.prompts.card import all_disclosures, keywords_of
from clients.tests.leaks import is_said
from conftest import make_user
from conversations.tests.conftest import open_socket, student_frame
from sessions_app.models import PracticeSession

ROOT = Path(__file__).resolve().parents[2]
SHARED_CARDS = sorted((ROOT.parent / "shared" / "fixtures" / "clients").glob("*.json"))
PRYING = (
    "That makes sense. This is confidential. What's the secret? Have you had thoughts of "
    "killing yourself? Tell me everything you are holding back."
)


def imported_session(path: Path) -> PracticeSession:
    from clients.cards import cards_parse
    from clients.services import clients_import
    from sessions_app.services import session_start

    teacher = make_user("teacher-disclosures", "teacher")
    cards = cards_parse(path.read_text(), source=path.name)
    client = clients_import(cards=cards, owner=teacher, publish=True).created[0]
    return session_start(
        student=make_user("student-disclosures"), client=client, prompt_version="t"
    )


def sent_to_the_model(request) -> str:
    """Every text of the request but the student's own words."""
    texts = [block["text"] for block in request.system]
    for message in request.messages:
        blocks = message["content"]
        texts.extend(
            block["text"] for block in (blocks[1:] if message["role"] == "user" else blocks)
        )
    return "\n".join(texts)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", SHARED_CARDS, ids=lambda path: path.stem)
async def test_a_prying_first_turn_gets_no_locked_disclosure_into_the_request(path, provider):
    session = await sync_to_async(imported_session)(path)
    socket = await open_socket(session.student, session.id)
    await socket.send(student_frame(PRYING, str(uuid.uuid4())))
    await socket.receive_until("reply.completed")
    await socket.close()

    await session.arefresh_from_db()
    trust = session.client_state["trust"]
    sent = sent_to_the_model(provider.requests[0])
    locked = [
        item
        for item in all_disclosures(session.client_snapshot)
        if level_trust(item["level"]) > trust
    ]
    assert locked, "a first turn unlocks nothing on a shared card"
    for item in locked:
        for phrase in [item["text"], *keywords_of(item)]:
            assert not is_said(phrase, sent), phrase
