"""Parsing and checking what a browser sends on the socket (protocol v1, client → server)."""

import json
import uuid
from dataclasses import dataclass

from django.conf import settings

from conversations.engine import TurnRefused
from sessions_app.services import InvalidText, text_check

MAX_FRAME_CHARS = 64_000
FRAME_TYPES = ("student_message", "retry_reply", "end_session")


@dataclass(frozen=True)
class Frame:
    type: str
    content: str = ""
    client_msg_id: uuid.UUID | None = None


def _refuse(code: str, message: str) -> TurnRefused:
    return TurnRefused(code, message)


def frame_parse(text_data: str | None, bytes_data: bytes | None) -> Frame:
    if text_data is None:
        raise _refuse("bad_frame", "Rapport only understands text messages on this connection.")
    if len(text_data) > MAX_FRAME_CHARS:
        raise _refuse("too_long", "That message is far too long to send.")
    try:
        data = json.loads(text_data)
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested thousands deep
        raise _refuse("bad_json", "That message could not be read. Please send it again.") from None
    if not isinstance(data, dict) or data.get("type") not in FRAME_TYPES:
        raise _refuse("unknown_type", "Rapport does not know that kind of message.")
    if data["type"] != "student_message":
        return Frame(type=data["type"])
    return Frame(
        type="student_message",
        content=message_content(data.get("content")),
        client_msg_id=_client_msg_id(data.get("client_msg_id")),
    )


def message_content(value: object) -> str:
    """What a student may send as a turn (the socket and the preview form): TurnRefused if not."""
    if not isinstance(value, str) or not value.strip():
        raise _refuse("empty", "Write something before sending.")
    content = value.strip()
    if len(content) > settings.MESSAGE_MAX_CHARS:
        raise _refuse(
            "too_long",
            f"Messages can be at most {settings.MESSAGE_MAX_CHARS:,} characters; "
            f"this one has {len(content):,}.",
        )
    try:
        return text_check(content)
    except InvalidText as error:
        raise _refuse("invalid_text", str(error)) from None


def _client_msg_id(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise _refuse(
            "bad_client_msg_id", "The page sent a message without a valid id. Reload the page."
        ) from None
