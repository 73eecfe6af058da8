"""Reads of clients for the teacher's pages."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from clients.models import ClientProfile

# (value, label, ordering). The first is the default. "sessions" orders by the count that
# sessions_app.selectors.teacher_clients adds (sessions are a layer above clients).
SORTS = [
    ("name", "Name, A to Z", ("name", "id")),
    ("changed", "Recently changed", ("-updated_at", "name")),
    ("newest", "Newest first", ("-created_at", "name")),
    ("sessions", "Most student sessions", ("-student_sessions", "name")),
]
ORDERINGS = {value: ordering for value, _, ordering in SORTS}


def teacher_client_or_404(*, teacher: User, client_id) -> ClientProfile:
    """The teacher's own client; a 404 for anyone else's, so ids reveal nothing."""
    return get_object_or_404(ClientProfile, pk=client_id, owner=teacher)


def teacher_clients_matching(
    *, owner: User, search: str = "", archived: bool = False
) -> QuerySet[ClientProfile]:
    """The teacher's clients, archived or not, matching `search` (name, problem, occupation)."""
    clients = ClientProfile.objects.filter(owner=owner, archived_at__isnull=not archived)
    if search:
        clients = clients.filter(
            Q(name__icontains=search)
            | Q(presenting_problem__icontains=search)
            | Q(occupation__icontains=search)
        )
    return clients


def teacher_client_counts(*, owner: User) -> dict[str, int]:
    """How many clients the teacher has on the list and in the archive. One query."""
    return ClientProfile.objects.filter(owner=owner).aggregate(
        current=Count("id", filter=Q(archived_at__isnull=True)),
        archived=Count("id", filter=Q(archived_at__isnull=False)),
    )
