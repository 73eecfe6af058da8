"""Stored replies with usage and timings, as the engine leaves them."""

from decimal import Decimal

from conftest import add_message
from conversations.models import Message
from conversations.services import message_account
from sessions_app.models import PracticeSession


def reply(
    session: PracticeSession,
    *,
    first_token_ms: int = 800,
    total_ms: int = 2000,
    status: str = Message.Status.COMPLETE,
    cost: str = "0.0001",
    input_tokens: int = 100,
    output_tokens: int = 20,
    cache_write_tokens: int = 0,
    cache_read_tokens: int = 50,
) -> Message:
    """A student turn and the client's reply to it."""
    add_message(session=session, role=Message.Role.STUDENT, content="How are you?")
    message = add_message(session=session, role=Message.Role.CLIENT, content="Tired.")
    Message.objects.filter(pk=message.pk).update(
        status=status, first_token_ms=first_token_ms, total_ms=total_ms
    )
    message_account(
        message=message,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_write_tokens=cache_write_tokens,
        cache_read_tokens=cache_read_tokens,
        cost=Decimal(cost),
    )
    message.refresh_from_db()
    return message
