"""A teacher's review of one session: feedback for the student, ratings of the simulated client.

Practice with feedback is what improves skills (CARE, 2025; docs/prompts.md), so the feedback
is a first-class record: written by the client's teacher, released to the student when ready.
"""

from typing import NamedTuple

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from config.bounds import LONG_ANSWER, REVIEW_NOTE
from conversations.models import Message
from sessions_app.models import PracticeSession

RATING_MIN, RATING_MAX = 1, 10
RATING = {
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
}


class Rating(NamedTuple):
    """One of the five ratings of the simulated client (never of the student)."""

    field: str  # the SessionReview column
    label: str  # the review form and the transcript exports
    heading: str  # a column of the staff quality page
    question: str  # the review form's help


# The one list of the ratings, in the order they are shown everywhere.
RATINGS = (
    Rating(
        "in_character_consistency",
        "In-character consistency",
        "In character",
        "Did the client stay the person on the card, and stay in role?",
    ),
    Rating(
        "educational_appropriateness",
        "Educational appropriateness",
        "Educationally appropriate",
        "Was the difficulty and content right for this student?",
    ),
    Rating(
        "response_relevance",
        "Response relevance",
        "Relevant",
        "Did the client's replies answer what the student said?",
    ),
    Rating(
        "conversation_flow",
        "Conversation flow",
        "Flow",
        "Did it read like a real conversation: length, pace, turn-taking?",
    ),
    Rating(
        "boundary_maintenance",
        "Boundary maintenance",
        "Boundaries",
        "Did the client keep boundaries (disclosure, safety, propriety)?",
    ),
)
RATING_FIELDS = tuple(rating.field for rating in RATINGS)
# What a teacher writes in a review: the form shows these, the service saves these.
REVIEW_FIELDS = ("overall_note", *RATING_FIELDS, "example")
RATING_LABELS = {rating.field: rating.label for rating in RATINGS}


class SessionReview(models.Model):
    class Example(models.TextChoices):
        NONE = "", "Neither"
        BEST = "best", "Best example"
        WORST = "worst", "Worst example"

    session = models.OneToOneField(PracticeSession, on_delete=models.PROTECT, related_name="review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written"
    )
    overall_note = models.TextField(
        blank=True, help_text="Feedback for the student.", **REVIEW_NOTE
    )
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The seed's five quality ratings of the simulated client (not of the student), 1-10.
    in_character_consistency = models.PositiveSmallIntegerField(**RATING)
    educational_appropriateness = models.PositiveSmallIntegerField(**RATING)
    response_relevance = models.PositiveSmallIntegerField(**RATING)
    conversation_flow = models.PositiveSmallIntegerField(**RATING)
    boundary_maintenance = models.PositiveSmallIntegerField(**RATING)
    example = models.CharField(max_length=8, choices=Example.choices, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["released_at"])]

    def __str__(self) -> str:
        return f"Review of {self.session}"

    @property
    def is_released(self) -> bool:
        return self.released_at is not None


class MessageComment(models.Model):
    """A teacher's comment on one message of the transcript, released with the review."""

    review = models.ForeignKey(SessionReview, on_delete=models.CASCADE, related_name="comments")
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="comments")
    text = models.TextField(**LONG_ANSWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["message__sequence_number", "created_at"]

    def __str__(self) -> str:
        return f"Comment on #{self.message.sequence_number}"
