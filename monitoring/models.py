from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from config.bounds import LONG_ANSWER


class ErrorEvent(models.Model):
    """One failure or limit hit, recorded for staff (safety flags are conversations.SafetyFlag)."""

    class Severity(models.TextChoices):
        CRITICAL = "critical", "Critical"  # a student lost a turn, a session broke, a server error
        WARNING = "warning", "Warning"  # recovered, or a limit did its job
        INFO = "info", "Info"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=64)  # e.g. provider.overloaded, limit.rate
    severity = models.CharField(max_length=16, choices=Severity.choices)
    message = models.TextField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    session = models.ForeignKey(
        "sessions_app.PracticeSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="error_events",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "created_at"]),
            models.Index(fields=["severity", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.severity} {self.kind} at {self.created_at:%Y-%m-%d %H:%M}"


SCORE = {
    "validators": [MinValueValidator(1), MaxValueValidator(5)],
    "choices": [(n, str(n)) for n in range(1, 6)],
}


class TeacherFeedback(models.Model):
    """The pilot's teacher feedback form: what a teacher thinks of Rapport so far."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pilot_feedback"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    overall_impression = models.PositiveSmallIntegerField(
        "Overall impression (1 poor, 5 excellent)", **SCORE
    )
    client_quality = models.PositiveSmallIntegerField(
        "How realistic were the simulated clients? (1 not at all, 5 very)", **SCORE
    )
    what_worked = models.TextField("What worked", blank=True, **LONG_ANSWER)
    needs_improvement = models.TextField("What needs improvement", blank=True, **LONG_ANSWER)
    feature_requests = models.TextField("Feature requests", blank=True, **LONG_ANSWER)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall_impression__gte=1, overall_impression__lte=5)
                & models.Q(client_quality__gte=1, client_quality__lte=5),
                name="teacher_feedback_scores_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"Feedback from {self.teacher} on {self.created_at:%Y-%m-%d}"
