import uuid

from django.db import models
from django.utils import timezone

from sessions_app.models import MONEY, PracticeSession


class Message(models.Model):
    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        CLIENT = "client", "Client"
        SYSTEM = "system", "System"

    class Status(models.TextChoices):
        COMPLETE = "complete", "Complete"
        STREAMING = "streaming", "Streaming"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(PracticeSession, on_delete=models.PROTECT, related_name="messages")
    sequence_number = models.PositiveIntegerField()
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETE)
    timestamp = models.DateTimeField(auto_now_add=True)
    # The idempotency key of a student turn: a resent frame is answered, never stored twice.
    client_msg_id = models.UUIDField(null=True, blank=True)

    token_count = models.PositiveIntegerField(default=0)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    cache_read_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(**MONEY)
    first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    total_ms = models.PositiveIntegerField(null=True, blank=True)
    # While a reply streams, its process renews this lease; a lapsed lease means the process died.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # A reply the filter replaced (conversations/reply_guard.py): `content` holds the in-role
    # deflection the student saw, `original_content` what the model said (for staff only) and
    # `filtered_reason` why; both empty for every other message.
    original_content = models.TextField(blank=True, default="")
    filtered_reason = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["session", "sequence_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "sequence_number"], name="message_unique_sequence_per_session"
            ),
            models.UniqueConstraint(
                fields=["session", "client_msg_id"],
                condition=models.Q(client_msg_id__isnull=False),
                name="message_unique_client_msg_id_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["timestamp"]),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(status="streaming"),
                name="message_streaming_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence_number} {self.role}"


class SafetyFlag(models.Model):
    """A student turn that looked like a real personal crisis: the support text was shown, and
    the teacher is asked to check in. It is part of the session, not an error: it is kept,
    exported and deleted with the session (docs/privacy.md), never pruned with error events."""

    class Kind(models.TextChoices):
        CRISIS = (
            "crisis",
            "A student's message looked like a real personal crisis; support text shown.",
        )

    # The name staff pages and exports have always used for a flag: this prefix and its kind.
    EVENT_KIND_PREFIX = "safety."

    # No related_name: "safety_flags" is the teacher's history's count of them (reviews).
    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE)
    # The student's turn that raised it; empty only for a flag moved from an old error event
    # that did not name its message.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="safety_flags"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.CRISIS)
    # Not auto_now_add: flags moved from error events keep the time they were raised.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["session", "created_at"]

    def __str__(self) -> str:
        return f"{self.kind} in {self.session_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def event_kind(self) -> str:
        return self.EVENT_KIND_PREFIX + self.kind


class TurnState(models.Model):
    """The state log: one row per student turn, for the teacher's review. A student sees only
    the skill summary counted from its codes (reviews.skill_summary), never trust or disclosures.

    Written in the turn's transaction with the deterministic coder's codes; the model coder
    replaces the codes (source "model") and trust_after when its answer is valid; the reply's
    finish fills `voiced`. Deleted and exported with its session, as safety flags are.
    """

    class Source(models.TextChoices):
        MODEL = "model", "Model coder"
        DETERMINISTIC = "deterministic", "Deterministic coder"

    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="turn_state")
    turn = models.PositiveIntegerField()  # the client state's turn count after this turn
    trust_before = models.PositiveSmallIntegerField()
    trust_after = models.PositiveSmallIntegerField()
    codes = models.JSONField(default=list)  # MITI codes (clients.prompts.skills), in order
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.DETERMINISTIC)
    # Indexes into clients.prompts.card.all_disclosures(session card): open to this turn's reply,
    # and those of them whose keywords the reply used.
    unlocked = models.JSONField(default=list)
    voiced = models.JSONField(default=list)
    coding_input_tokens = models.PositiveIntegerField(default=0)
    coding_output_tokens = models.PositiveIntegerField(default=0)
    coding_cache_write_tokens = models.PositiveIntegerField(default=0)
    coding_cache_read_tokens = models.PositiveIntegerField(default=0)
    coding_cost = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "turn"]
        indexes = [models.Index(fields=["session", "turn"])]

    def __str__(self) -> str:
        trust = f"{self.trust_before}->{self.trust_after}"
        return f"turn {self.turn} of {self.session_id}: trust {trust}"
