"""The student's side of clients: the gallery of published clients and a client's preview.

Only card fields meant for students reach these templates (STUDENT_FIELDS): never
disclosures, risk, core_beliefs or teacher_notes.
"""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.decorators import student_required
from clients.models import ClientProfile
from sessions_app.models import PracticeSession

STUDENT_FIELDS = (
    "id",
    "name",
    "age",
    "pronouns",
    "occupation",
    "presenting_problem",
    "difficulty",
    "learning_objectives",
    "session_time_limit_minutes",
    "content_warnings",
)


def published_clients():
    return ClientProfile.objects.open_to_students().only(*STUDENT_FIELDS)


def active_sessions_by_client(user) -> dict[uuid.UUID, PracticeSession]:
    sessions = PracticeSession.objects.filter(
        student=user, status=PracticeSession.Status.ACTIVE
    ).only("id", "client_profile_id", "started_at")
    return {session.client_profile_id: session for session in sessions}


@student_required
def gallery(request: HttpRequest) -> HttpResponse:
    active = active_sessions_by_client(request.user)
    clients = [(client, active.get(client.id)) for client in published_clients().order_by("name")]
    return render(request, "clients/gallery.html", {"clients": clients})


@student_required
def client_detail(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = get_object_or_404(published_clients(), pk=client_id)
    active = active_sessions_by_client(request.user).get(client.id)
    return render(request, "clients/practice_client.html", {"client": client, "active": active})
