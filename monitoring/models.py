from django.conf import settings
from django.db import models


class ErrorEvent(models.Model):
    """One failure, limit hit or safety flag, recorded for staff."""

    class Severity(models.TextChoices):
        CRITICAL = "critical", "Critical"  # a student lost a turn, a session broke, a server error
        WARNING = "warning", "Warning"  # recovered, or a limit did its job
        INFO = "info", "Info"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=64)  # e.g. provider.overloaded, limit.rate, safety.crisis
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
