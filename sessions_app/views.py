import contextlib
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from accounts.decorators import student_required
from clients.models import ClientProfile
from conversations.consumers import session_publisher
from conversations.engine import TurnRefused, end_session, history_for_page
from conversations.models import Message
from conversations.renderers import viewer_sees_costs
from reviews import exports
from reviews.models import MessageComment, SessionReview
from reviews.selectors import session_skill_summary
from sessions_app.forms import FeedbackForm, ReflectionForm
from sessions_app.models import PracticeSession, SessionFeedback, SessionReflection
from sessions_app.services import session_reflect, session_start

SESSIONS_PER_PAGE = 10
STUDENT_TRANSCRIPT_FORMATS = ("markdown", "text")
TRANSCRIPT_RATE = "30/m"


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
        client = get_object_or_404(ClientProfile.objects.open_to_students(), pk=client_id)
        return client, PracticeSession.Kind.PRACTICE
    raise Http404


@require_POST
@login_required
@ratelimit(key="user", rate="20/m", method="POST")
def start(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, kind = _startable_client(request, client_id)
    # Resume an active session rather than start a second; a preview is not one to resume.
    active = PracticeSession.objects.filter(
        student=request.user,
        client_profile=client,
        status=PracticeSession.Status.ACTIVE,
        preview__isnull=True,
    ).first()
    warn_first = kind == PracticeSession.Kind.PRACTICE and client.content_warnings
    if active is None and warn_first and not request.POST.get("confirmed"):
        # A student reads the content warnings first: a confirmation page whose form starts for
        # real. A teacher testing their own client wrote them, and has no student pages.
        context = {"client": client, "active": None, "confirming": True}
        return render(request, "clients/practice_client.html", context)
    if active is None:
        active = session_start(student=request.user, client=client, kind=kind)
    return redirect("sessions:detail", session_id=active.id)


@login_required
def detail(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The live conversation while the session is active; afterwards its read-only record."""
    session = _get_session_for_user(request, session_id)
    if not session.is_active:
        return _record(request, session)
    items = history_for_page(session)
    deadline = session.deadline
    context = {
        "session": session,
        "items": items,
        "client_name": session.client_name,
        "replying": any(item.status == Message.Status.STREAMING for item in items),
        "show_costs": viewer_sees_costs(request.user),
        "max_chars": settings.MESSAGE_MAX_CHARS,
        "elapsed_seconds": int((timezone.now() - session.started_at).total_seconds()),
        "limit_seconds": int(session.time_limit.total_seconds()) if deadline else "",
    }
    return render(request, "sessions_app/conversation.html", context)


def _released_review(session: PracticeSession) -> SessionReview | None:
    return SessionReview.objects.filter(session=session, released_at__isnull=False).first()


def _record(request: HttpRequest, session: PracticeSession) -> HttpResponse:
    """An ended session: the transcript, the teacher's released feedback beside the messages."""
    review = _released_review(session)
    comments: dict[uuid.UUID, list[MessageComment]] = {}
    if review is not None:
        for comment in MessageComment.objects.filter(review=review):
            comments.setdefault(comment.message_id, []).append(comment)
    items = [(m, comments.get(m.pk, [])) for m in history_for_page(session)]
    context = {
        "session": session,
        "client_name": session.client_name,
        "items": items,
        "review": review,
        "reflection": SessionReflection.objects.filter(session=session).first(),
        "turns": _turn_count(session),
        "show_costs": viewer_sees_costs(request.user),
        "skill_summary": session_skill_summary(session=session),
    }
    return render(request, "sessions_app/record.html", context)


def _turn_count(session: PracticeSession) -> int:
    return session.messages.filter(role=Message.Role.STUDENT).count()


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
    """The session is saved: how long, how many turns; then reflection and feedback."""
    session = _get_session_for_user(request, session_id)
    if session.is_active:
        return redirect("sessions:detail", session_id=session.id)
    if session.kind == PracticeSession.Kind.TEACHER_TEST:
        return _test_complete(request, session)
    reflection = SessionReflection.objects.filter(session=session).first()
    feedback = SessionFeedback.objects.filter(session=session).first()
    data = request.POST if request.method == "POST" else None
    reflection_form = ReflectionForm(data, instance=reflection, prefix="reflection")
    feedback_form = FeedbackForm(data, instance=feedback, prefix="feedback")
    if data is not None and reflection_form.is_valid() and feedback_form.is_valid():
        session_reflect(
            session=session,
            reflection=reflection_form.cleaned_data,
            feedback=feedback_form.cleaned_data,
        )
        messages.success(request, "Your reflection and feedback are saved. Thank you.")
        return redirect("sessions:complete", session_id=session.id)
    context = {
        "session": session,
        "client_name": session.client_name,
        "turns": _turn_count(session),
        "reflection_form": reflection_form,
        "feedback_form": feedback_form,
        "saved": reflection is not None,
        "skill_summary": session_skill_summary(session=session),
    }
    return render(request, "sessions_app/complete.html", context)


def _test_complete(request: HttpRequest, session: PracticeSession) -> HttpResponse:
    """A teacher's ended test: what it used and cost, and the way back to the client."""
    context = {
        "session": session,
        "client": session.client_profile,
        "client_name": session.client_name,
        "turns": _turn_count(session),
        "skill_summary": session_skill_summary(session=session),
    }
    return render(request, "sessions_app/test_complete.html", context)


@student_required
@ratelimit(key="user", rate=TRANSCRIPT_RATE, method="GET")
def transcript_download(request: HttpRequest, session_id: uuid.UUID, fmt: str) -> HttpResponse:
    """A student's own transcript as Markdown or text: what they may read, nothing more."""
    if fmt not in STUDENT_TRANSCRIPT_FORMATS:
        raise Http404
    session = _get_session_for_user(request, session_id)
    return exports.transcript_download(session, fmt, exports.student_transcript_data(session))


@student_required
def my_sessions(request: HttpRequest) -> HttpResponse:
    """The student's own sessions, newest first, with whether feedback has been released."""
    sessions = (
        PracticeSession.objects.filter(student=request.user)
        .annotate(
            turns=Count("messages", filter=Q(messages__role=Message.Role.STUDENT)),
            feedback_released=Count("review", filter=Q(review__released_at__isnull=False)),
        )
        .order_by("-started_at")
    )
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sessions_app/my_sessions.html", {"page": page})
