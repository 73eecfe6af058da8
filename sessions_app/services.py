"""The life of a practice session: start (previews too), end, abandon when idle, reflect."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clients.cards import card_from_client
from clients.models import ClientPreview, ClientProfile
from clients.prompts import PROMPT_VERSION
from conversations.llm import provider_is_demo
from sessions_app.models import PracticeSession, SessionFeedback, SessionReflection


class SessionError(Exception):
    """A request that cannot be carried out; the message is a plain sentence for the user."""


class InvalidText(SessionError):
    pass


class SessionNotActive(SessionError):
    pass


def text_check(text: str) -> str:
    """Refuse text the database cannot store faithfully (PostgreSQL rejects NUL outright)."""
    if "\x00" in text:
        raise InvalidText("The message contains a NUL character, which cannot be saved.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidText(
            "The message contains broken characters, which cannot be saved."
        ) from None
    return text


def session_start(
    *,
    student: User,
    client: ClientProfile,
    kind: str = PracticeSession.Kind.PRACTICE,
    model: str | None = None,
    prompt_version: str = PROMPT_VERSION,
) -> PracticeSession:
    """A new active session on a snapshot of the client's card, recording the prompt version and
    whether its replies come from the demo provider, as they are at the start.

    `prompt_version` is for synthetic sessions only (load generator, benchmarks) to label theirs.
    """
    return PracticeSession.objects.create(
        student=student,
        client_profile=client,
        client_snapshot=card_from_client(client),
        kind=kind,
        model=model or settings.LLM_MODEL,
        prompt_version=prompt_version,
        demo_mode=provider_is_demo(),
    )


@transaction.atomic
def preview_start(*, client: ClientProfile, teacher: User) -> PracticeSession:
    """A teacher_test session marked as a preview, for the sample opening exchange."""
    session = session_start(student=teacher, client=client, kind=PracticeSession.Kind.TEACHER_TEST)
    ClientPreview.objects.create(session=session)
    return session


def session_end(
    *, session: PracticeSession, status: str = PracticeSession.Status.COMPLETED
) -> PracticeSession:
    """End an active session. Ending one that has already ended is a SessionNotActive error."""
    now = timezone.now()
    updated = PracticeSession.objects.filter(
        pk=session.pk, status=PracticeSession.Status.ACTIVE
    ).update(status=status, ended_at=now)
    if not updated:
        raise SessionNotActive("This session has already ended.")
    session.status, session.ended_at = status, now
    return session


def sessions_abandon_stale(*, idle_minutes: int | None = None) -> int:
    """Mark active sessions idle for longer than the setting as abandoned; returns how many."""
    if idle_minutes is None:
        idle_minutes = settings.SESSION_IDLE_MINUTES
    if idle_minutes < 1:
        # Zero or less would abandon every active session, including the ones in use right now.
        raise ValueError(f"idle_minutes must be at least 1, not {idle_minutes}.")
    idle = timedelta(minutes=idle_minutes)
    now = timezone.now()
    return PracticeSession.objects.filter(
        status=PracticeSession.Status.ACTIVE, last_activity_at__lt=now - idle
    ).update(status=PracticeSession.Status.ABANDONED, ended_at=now)


@transaction.atomic
def session_reflect(
    *, session: PracticeSession, reflection: dict[str, str], feedback: dict[str, object]
) -> None:
    """Save (or replace) the student's reflection and feedback on an ended session."""
    if session.status == PracticeSession.Status.ACTIVE:
        raise SessionError("End the session before writing a reflection.")
    SessionReflection.objects.update_or_create(session=session, defaults=reflection)
    SessionFeedback.objects.update_or_create(session=session, defaults=feedback)
