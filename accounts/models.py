from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who uses Rapport. Staff are users with is_staff, whatever their role."""

    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        TEACHER = "teacher", "Teacher"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT and not self.is_staff

    @property
    def is_teacher(self) -> bool:
        return self.role == self.Role.TEACHER

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
