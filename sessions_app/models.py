import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from clients.models import ClientProfile
from config.bounds import LONG_ANSWER

# Exact to a ten-billionth of a dollar: one reply costs about $0.00005.
MONEY = {"max_digits": 20, "decimal_places": 10, "default": Decimal(0)}


class PracticeSession(models.Model):
    class Kind(models.TextChoices):
        PRACTICE = "practice", "Practice"
        TEACHER_TEST = "teacher_test", "Teacher test"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practice_sessions"
    )
    client_profile = models.ForeignKey(
        ClientProfile, on_delete=models.PROTECT, related_name="practice_sessions"
    )
    # The card as it was at the start: the conversation and its review never change with edits.
    client_snapshot = models.JSONField()
    # The simulated client's state between turns (trust, turn): see clients/prompts/state.py.
    client_state = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PRACTICE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)
    model = models.CharField(max_length=100)
    prompt_version = models.CharField(max_length=20)
    demo_mode = models.BooleanField(default=False)

    total_tokens = models.PositiveIntegerField(default=0)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    cache_read_tokens = models.PositiveIntegerField(default=0)
    estimated_cost = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["status", "started_at"]),
            models.Index(fields=["student", "started_at"]),
            models.Index(fields=["client_profile", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.client_name} with {self.student} ({self.started_at:%Y-%m-%d})"

    @property
    def client_name(self) -> str:
        """The client's name as the session began: renaming the profile later changes neither the
        conversation nor its review. Every card has a name; the fallback is for a damaged row."""
        return self.client_snapshot.get("name") or "The client"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def time_limit(self) -> timedelta | None:
        minutes = self.client_snapshot.get("session_time_limit_minutes")
        return timedelta(minutes=minutes) if minutes else None

    @property
    def deadline(self) -> datetime | None:
        limit = self.time_limit
        return self.started_at + limit if limit else None

    def time_is_up(self, now: datetime | None = None) -> bool:
        """Whether the client's time limit (if any) has passed: no more turns after it."""
        deadline = self.deadline
        return deadline is not None and (now or timezone.now()) >= deadline

    @property
    def duration(self):
        end = self.ended_at or self.last_activity_at
        return end - self.started_at


class SessionReflection(models.Model):
    """The student's own look back at a session, written on the complete page."""

    session = models.OneToOneField(
        PracticeSession, on_delete=models.PROTECT, related_name="reflection"
    )
    went_well = models.TextField("What went well", blank=True, **LONG_ANSWER)
    was_hard = models.TextField("What was hard", blank=True, **LONG_ANSWER)
    do_differently = models.TextField("What I would do differently", blank=True, **LONG_ANSWER)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reflection on {self.session}"


RATING_1_TO_5 = [MinValueValidator(1), MaxValueValidator(5)]


class SessionFeedback(models.Model):
    """The student's feedback on Rapport itself after a session (the seed's questions)."""

    session = models.OneToOneField(
        PracticeSession, on_delete=models.PROTECT, related_name="student_feedback"
    )
    ease_of_use = models.PositiveSmallIntegerField(
        "How easy was Rapport to use?", validators=RATING_1_TO_5
    )
    learning_value = models.PositiveSmallIntegerField(
        "How much did you learn from this session?", validators=RATING_1_TO_5
    )
    helped = models.TextField("What helped", blank=True, **LONG_ANSWER)
    confusing = models.TextField("What was confusing", blank=True, **LONG_ANSWER)
    suggestions = models.TextField("Suggestions", blank=True, **LONG_ANSWER)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ease_of_use__gte=1, ease_of_use__lte=5)
                & models.Q(learning_value__gte=1, learning_value__lte=5),
                name="session_feedback_ratings_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"Feedback after {self.session}"
