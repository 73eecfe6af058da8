"""The conversation engine: a student turn in, a streamed client reply out."""

from django.conf import settings

from conversations.models import Message
from sessions_app.models import PracticeSession


def provider_is_demo() -> bool:
    return not settings.ANTHROPIC_API_KEY


def history_for_page(session: PracticeSession) -> list[Message]:
    return list(session.messages.order_by("sequence_number"))
