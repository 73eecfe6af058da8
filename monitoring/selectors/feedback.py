"""Feedback and quality: what teachers and students said, and the review ratings per client."""

from django.db.models import Avg, Count

from monitoring.models import TeacherFeedback
from reviews.models import RATING_FIELDS, SessionReview
from sessions_app.models import SessionFeedback


def feedback_summary(*, comments_limit: int = 500) -> dict:
    """Teacher feedback and students' session feedback: counts, averages and the comments."""
    teacher = TeacherFeedback.objects.aggregate(
        n=Count("id"),
        teachers=Count("teacher", distinct=True),
        overall=Avg("overall_impression"),
        clients=Avg("client_quality"),
    )
    student = SessionFeedback.objects.aggregate(
        n=Count("id"),
        students=Count("session__student", distinct=True),
        ease=Avg("ease_of_use"),
        learning=Avg("learning_value"),
    )
    return {
        "teacher": teacher,
        "student": student,
        "teacher_comments": list(
            TeacherFeedback.objects.select_related("teacher").order_by("-created_at")[
                :comments_limit
            ]
        ),
        "student_comments": list(
            SessionFeedback.objects.select_related("session__student", "session__client_profile")
            .exclude(helped="", confusing="", suggestions="")
            .order_by("-created_at")[:comments_limit]
        ),
    }


def quality_by_client() -> list[dict]:
    """The five review ratings averaged per client, with the reviews marked best and worst."""
    rated = SessionReview.objects.filter(**{f"{RATING_FIELDS[0]}__isnull": False})
    rows = list(
        rated.values("session__client_profile_id", "session__client_profile__name")
        .annotate(reviews=Count("id"), **{name: Avg(name) for name in RATING_FIELDS})
        .order_by("session__client_profile__name")
    )
    examples: dict = {}
    marked = (
        SessionReview.objects.exclude(example="")
        .order_by("-updated_at")
        .values("session__client_profile_id", "example", "session_id")
    )
    for row in marked[:2000]:
        examples.setdefault(row["session__client_profile_id"], {}).setdefault(
            row["example"], []
        ).append(row["session_id"])
    for row in rows:
        row["ratings"] = [row[name] for name in RATING_FIELDS]
        found = examples.get(row["session__client_profile_id"], {})
        row["best"] = found.get("best", [])[:5]
        row["worst"] = found.get("worst", [])[:5]
    return rows
