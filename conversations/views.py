"""The teacher's preview of a client: the system prompt it makes, and a sample opening exchange.

The exchange is a live conversation like any other (a teacher_test session marked as a preview),
streamed over the session's socket; preview.js sends the line and ends the session after the reply.
"""

import contextlib
import uuid

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import aget_object_or_404, get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from accounts.decorators import teacher_required
from clients.cards import card_from_client
from clients.prompts import system_prompt
from clients.selectors import teacher_client_or_404
from conversations.engine import TurnRefused, end_session, history_for_page
from conversations.frames import message_content
from sessions_app.models import PracticeSession
from sessions_app.services import preview_start

PREVIEW_LINE = "Hi, thanks for coming in today. What would you like to talk about?"
PREVIEW_LINE_KEY = "preview-line-{session_id}"


def _previews_of(teacher) -> QuerySet[PracticeSession]:
    return PracticeSession.objects.filter(student=teacher, preview__isnull=False)


def _get_preview_for_teacher(request: HttpRequest, session_id: uuid.UUID) -> PracticeSession:
    return get_object_or_404(
        _previews_of(request.user).select_related("client_profile"), pk=session_id
    )


@teacher_required
@ratelimit(key="user", rate="20/m", method="POST")
def client_preview(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    """The system prompt the model gets (read-only), and a sample opening exchange on demand."""
    client = teacher_client_or_404(teacher=request.user, client_id=client_id)
    line, error = PREVIEW_LINE, ""
    if request.method == "POST":
        line = request.POST.get("line", "").strip()
        try:
            # The line is sent as the socket's first turn: refuse here what the socket would.
            line = message_content(line)
        except TurnRefused as refused:
            error = refused.message
        else:
            session = preview_start(client=client, teacher=request.user)
            request.session[PREVIEW_LINE_KEY.format(session_id=session.id)] = line
            return redirect("conversations:preview_run", session_id=session.id)
    card = card_from_client(client)
    context = {
        "client": client,
        "prompt": system_prompt(card),
        "line": line,
        "error": error,
        "max_chars": settings.MESSAGE_MAX_CHARS,
    }
    return render(request, "conversations/preview.html", context, status=400 if error else 200)


@teacher_required
def preview_run(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The sample exchange, streamed over the session's socket (preview.js sends the line)."""
    session = _get_preview_for_teacher(request, session_id)
    line = request.session.get(PREVIEW_LINE_KEY.format(session_id=session.id), PREVIEW_LINE)
    context = {
        "session": session,
        "client": session.client_profile,
        "client_name": session.client_name,
        "items": history_for_page(session),
        "show_costs": True,  # a teacher's own preview
        "line": line,
        # A fixed id per preview: a resent line (a reconnect, a reload) is never stored twice.
        "client_msg_id": uuid.uuid5(session.id, "preview-line"),
    }
    return render(request, "conversations/preview_run.html", context)


@require_POST
@teacher_required
async def preview_end(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """End the preview once its reply is in, so a later test conversation starts afresh."""
    session = await aget_object_or_404(_previews_of(await request.auser()), pk=session_id)

    async def nobody(event: dict) -> None:  # the preview page needs no session.ended fragment
        return None

    with contextlib.suppress(TurnRefused):  # already ended: a second tab, a resent request
        await end_session(session_id=session.id, publish=nobody)
    return JsonResponse({"status": "ended"})
