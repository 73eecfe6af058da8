import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clients.prompts.base import DEFAULT_DIFFICULTY

# The migrations name clients.models.default_voice: one definition, the card's.
from clients.prompts.card import default_voice


class CommunicationStyle(models.TextChoices):
    """The six conversation styles of Patient-Ψ (see docs/prompts.md)."""

    PLAIN = "plain", "Plain"
    UPSET = "upset", "Upset"
    VERBOSE = "verbose", "Verbose"
    RESERVED = "reserved", "Reserved"
    TANGENTIAL = "tangential", "Tangential"
    PLEASING = "pleasing", "Pleasing"


class Difficulty(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class ClientQuerySet(models.QuerySet):
    def open_to_students(self) -> "ClientQuerySet":
        """What students may see and start: published and not archived."""
        return self.filter(is_published=True, archived_at__isnull=True)


class ClientProfile(models.Model):
    """A simulated client as a teacher wrote it. Field names follow client card v2
    (docs/client-card.md); the JSON fields hold what clients.cards.ClientCardV2 validated."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="client_profiles"
    )
    is_published = models.BooleanField(default=False)
    # Archived: off the teacher's list and out of students' sight; its sessions stay as they were.
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    name = models.CharField(max_length=200)
    age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    pronouns = models.CharField(max_length=50, blank=True)
    occupation = models.CharField(max_length=200, blank=True)
    cultural_background = models.TextField(blank=True)
    presenting_problem = models.TextField()
    background_history = models.TextField(blank=True)
    personality = models.TextField(blank=True)
    emotional_state = models.TextField(blank=True)
    communication_style = models.CharField(
        max_length=16, choices=CommunicationStyle.choices, default=CommunicationStyle.PLAIN
    )
    resistance_level = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    core_beliefs = models.JSONField(default=list, blank=True)
    coping_strategies = models.TextField(blank=True)
    # [{text, level, keywords}], in the order the client would tell them.
    disclosures = models.JSONField(default=list, blank=True)
    # {stance, disclosure} or None: a card with no risk.
    risk = models.JSONField(null=True, blank=True, default=None)
    # {register, fluency, examples}
    voice = models.JSONField(default=default_voice, blank=True)
    goals = models.TextField(blank=True)
    opening_statement = models.TextField(blank=True)
    difficulty = models.CharField(
        max_length=16, choices=Difficulty.choices, default=Difficulty(DEFAULT_DIFFICULTY)
    )
    learning_objectives = models.JSONField(default=list, blank=True)
    session_time_limit_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    content_warnings = models.JSONField(default=list, blank=True)
    teacher_notes = models.TextField(blank=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["owner", "name"]), models.Index(fields=["is_published"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resistance_level__gte=1, resistance_level__lte=5),
                name="client_resistance_level_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClientPreview(models.Model):
    """Marks a teacher_test session as a preview: the sample opening exchange of the preview page.

    A preview is an ordinary teacher_test session (students never see those), so its spend is in
    PracticeSession.estimated_cost and in every total that sums sessions; this row only lets the
    teacher's history label it.
    """

    session = models.OneToOneField(
        "sessions_app.PracticeSession",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="preview",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Preview {self.session_id}"
