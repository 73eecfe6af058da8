"""Reads that count sessions for pages of the layers below (a client list knows no sessions)."""

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from clients.models import ClientProfile
from clients.selectors import ORDERINGS, teacher_clients_matching
from sessions_app.models import PracticeSession


def teacher_clients(
    *, owner: User, search: str = "", sort: str = "name", archived: bool = False
) -> QuerySet[ClientProfile]:
    """The teacher's clients, archived or not, matching `search` (name, problem, occupation),
    with their number of student sessions, in the order `sort` names. One query."""
    clients = teacher_clients_matching(owner=owner, search=search, archived=archived)
    return clients.annotate(
        student_sessions=Count(
            "practice_sessions",
            filter=Q(practice_sessions__kind=PracticeSession.Kind.PRACTICE),
        )
    ).order_by(*ORDERINGS.get(sort, ORDERINGS["name"]))
