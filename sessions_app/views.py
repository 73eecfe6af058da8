import contextlib
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from clients.models import ClientProfile
from clients.prompts import PROMPT_VERSION
from conversations.consumers import session_publisher
from conversations.engine import TurnRefused, end_session, history_for_page, provider_is_demo
from conversations.models import Message
from sessions_app.models import PracticeSession
from sessions_app.services import session_start


def _get_session_for_user(request: HttpRequest, session_id: uuid.UUID) -> PracticeSession:
    """The session if it belongs to this user; a 404 for everyone else, so ids reveal nothing."""
    return get_object_or_404(
        PracticeSession.objects.select_related("client_profile"),
        pk=session_id,
        student=request.user,
    )


def _startable_client(request: HttpRequest, client_id: uuid.UUID) -> tuple[ClientProfile, str]:
    user = request.user
    if user.is_teacher:
        client = get_object_or_404(ClientProfile, pk=client_id, owner=user)
        return client, PracticeSession.Kind.TEACHER_TEST
    if user.is_student:
        client = get_object_or_404(ClientProfile, pk=client_id, is_published=True)
        return client, PracticeSession.Kind.PRACTICE
    raise Http404


@require_POST
@login_required
@ratelimit(key="user", rate="20/m", method="POST")
def start(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, kind = _startable_client(request, client_id)
    active = PracticeSession.objects.filter(
        student=request.user, client_profile=client, status=PracticeSession.Status.ACTIVE
    ).first()
    if active is None:
        active = session_start(
            student=request.user,
            client=client,
            kind=kind,
            prompt_version=PROMPT_VERSION,
            demo_mode=provider_is_demo(),
        )
    return redirect("sessions:detail", session_id=active.id)


@login_required
def detail(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _get_session_for_user(request, session_id)
    items = history_for_page(session)
    context = {
        "session": session,
        "items": items,
        "client_name": session.client_snapshot.get("name", "The client"),
        "replying": any(item.status == Message.Status.STREAMING for item in items),
        "max_chars": settings.MESSAGE_MAX_CHARS,
    }
    return render(request, "sessions_app/conversation.html", context)


@require_POST
@login_required
async def end(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    # Async, and through the engine: a reply streaming in this process stops (its partial is
    # kept) and every open tab hears. A sync view blocking on the engine would deadlock with
    # the reply's own database calls, which need the same worker thread.
    user = await request.auser()
    session = await PracticeSession.objects.filter(pk=session_id, student=user).afirst()
    if session is None:
        raise Http404
    # Already ended (a second tab, a double click): the complete page is still the right answer.
    with contextlib.suppress(TurnRefused):
        await end_session(session_id=session.id, publish=session_publisher(session.id))
    return redirect("sessions:complete", session_id=session.id)


@login_required
def complete(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _get_session_for_user(request, session_id)
    if session.is_active:
        return redirect("sessions:detail", session_id=session.id)
    return render(request, "sessions_app/complete.html", {"session": session})
