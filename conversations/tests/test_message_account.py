from decimal import Decimal

from conftest import add_message
from conversations.models import Message
from conversations.services import message_account
from sessions_app.models import PracticeSession

USAGE = {
    "input_tokens": 1200,
    "output_tokens": 80,
    "cache_write_tokens": 900,
    "cache_read_tokens": 0,
}


def _reply(session: PracticeSession) -> Message:
    return add_message(session=session, role=Message.Role.CLIENT, content="Mm.")


def test_it_adds_usage_to_the_message_and_the_session(practice_session):
    message = _reply(practice_session)
    message_account(message=message, **USAGE, cost=Decimal("0.0001234567"))
    message.refresh_from_db()
    practice_session.refresh_from_db()
    assert message.token_count == 2180
    assert message.input_tokens == 1200
    assert message.output_tokens == 80
    assert message.cache_write_tokens == 900
    assert message.cost == Decimal("0.0001234567")
    assert practice_session.total_tokens == 2180
    assert practice_session.input_tokens == 1200
    assert practice_session.cache_write_tokens == 900
    assert practice_session.estimated_cost == Decimal("0.0001234567")


def test_money_stays_exact_to_ten_decimal_places(practice_session):
    message = _reply(practice_session)
    for _ in range(3):
        message_account(message=message, **USAGE, cost=Decimal("0.1000000001"))
    message.refresh_from_db()
    practice_session.refresh_from_db()
    assert message.cost == Decimal("0.3000000003")
    assert practice_session.estimated_cost == Decimal("0.3000000003")


def test_it_adds_in_the_database_not_from_stale_objects(practice_session):
    first, second = _reply(practice_session), _reply(practice_session)
    stale_first = Message.objects.get(pk=first.pk)
    message_account(message=first, **USAGE, cost=Decimal("0.00002"))
    message_account(message=stale_first, **USAGE, cost=Decimal("0.00003"))
    message_account(message=second, **USAGE, cost=Decimal("0.00005"))
    first.refresh_from_db()
    practice_session.refresh_from_db()
    assert first.cost == Decimal("0.00005")
    assert first.token_count == 2 * 2180
    assert practice_session.total_tokens == 3 * 2180
    assert practice_session.cache_read_tokens == 0
    assert practice_session.estimated_cost == Decimal("0.0001")


def test_the_session_total_is_the_sum_of_its_messages(practice_session):
    costs = [Decimal("0.0000131"), Decimal("0.0000422"), Decimal("0.0000007")]
    for cost in costs:
        message_account(message=_reply(practice_session), **USAGE, cost=cost)
    practice_session.refresh_from_db()
    total = sum(Message.objects.filter(session=practice_session).values_list("cost", flat=True))
    assert practice_session.estimated_cost == total == sum(costs)
