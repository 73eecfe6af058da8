from django.contrib.auth.models import AbstractUser
from django.db import models

# The first-login notice (templates/accounts/notice.html). Raise the version whenever its meaning
# changes: everyone who must see it is asked again, and the version they accepted is kept.
NOTICE_VERSION = "2026-11-1"


class User(AbstractUser):
    """A person who uses Rapport. Staff are users with is_staff, whatever their role."""

    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        TEACHER = "teacher", "Teacher"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    notice_version = models.CharField(max_length=20, blank=True)
    notice_acknowledged_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT and not self.is_staff

    @property
    def is_teacher(self) -> bool:
        return self.role == self.Role.TEACHER

    @property
    def needs_notice(self) -> bool:
        """Students and teachers read the current notice once; staff run the service."""
        return not self.is_staff and self.notice_version != NOTICE_VERSION

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
