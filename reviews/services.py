"""Writes for a teacher's review: the note and ratings, comments on messages, release."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from conversations.models import Message
from reviews.models import REVIEW_FIELDS, MessageComment, SessionReview
from sessions_app.models import PracticeSession


class ReviewError(Exception):
    """A request that cannot be carried out; the message is a plain sentence for the teacher."""


STILL_ACTIVE = (
    "This session is still going on: save your review or release feedback once it has ended."
)


def _refuse_while_active(session: PracticeSession) -> None:
    """A review judges a whole conversation: none is saved or released while it can still grow."""
    if session.status == PracticeSession.Status.ACTIVE:
        raise ReviewError(STILL_ACTIVE)


def _review_for(session: PracticeSession, reviewer: User) -> SessionReview:
    review, _created = SessionReview.objects.get_or_create(
        session=session, defaults={"reviewer": reviewer}
    )
    return review


@transaction.atomic
def review_save(
    *, session: PracticeSession, reviewer: User, fields: dict[str, Any]
) -> SessionReview:
    """Create or update the session's review. A released review stays released (and the student
    sees the change). Refused while the session is active."""
    _refuse_while_active(session)
    review = _review_for(session, reviewer)
    for name in REVIEW_FIELDS:
        if name in fields:
            setattr(review, name, fields[name])
    review.reviewer = reviewer
    review.save(
        update_fields=[
            *[name for name in REVIEW_FIELDS if name in fields],
            "reviewer",
            "updated_at",
        ]
    )
    return review


@transaction.atomic
def comment_add(
    *, session: PracticeSession, reviewer: User, message: Message, text: str
) -> MessageComment:
    if message.session_id != session.pk:
        raise ReviewError("That message is not part of this session.")
    text = text.strip()
    if not text:
        raise ReviewError("Write a comment first.")
    review = _review_for(session, reviewer)
    return MessageComment.objects.create(review=review, message=message, text=text)


def comment_delete(*, comment: MessageComment) -> None:
    comment.delete()


def review_release(*, session: PracticeSession, reviewer: User) -> SessionReview:
    """Show the feedback to the student. Only ended sessions students held can be released."""
    if session.kind != PracticeSession.Kind.PRACTICE:
        raise ReviewError("Feedback is released to students; this is a test conversation.")
    _refuse_while_active(session)
    review = _review_for(session, reviewer)
    if review.released_at is None:
        review.released_at = timezone.now()
        review.save(update_fields=["released_at", "updated_at"])
    return review


def review_withdraw(*, review: SessionReview) -> SessionReview:
    review.released_at = None
    review.save(update_fields=["released_at", "updated_at"])
    return review
