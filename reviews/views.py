import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from accounts.decorators import teacher_required
from reviews import exports
from reviews.forms import CommentForm, ReviewForm
from reviews.models import RATING_FIELDS, RATING_LABELS, MessageComment
from reviews.selectors import (
    HISTORY_KINDS,
    REVIEW_STATES,
    history_choices,
    history_filter,
    history_rows,
    history_totals,
    reflection_items,
    reflection_of,
    review_of,
    safety_flags,
    session_skill_summary,
    sessions_for_teacher,
    turn_states,
)
from reviews.services import (
    ReviewError,
    comment_add,
    comment_delete,
    review_release,
    review_save,
    review_withdraw,
)
from reviews.trust_curve import code_labels, trust_curve
from sessions_app.models import PracticeSession

PAGE_SIZE = 25
EXPORT_RATE = "30/m"


def _get_session_for_teacher(request: HttpRequest, session_id: uuid.UUID) -> PracticeSession:
    """A session with one of this teacher's clients; a 404 for anyone else, ids reveal nothing."""
    return get_object_or_404(
        sessions_for_teacher(teacher=request.user).select_related("student", "client_profile"),
        pk=session_id,
    )


@teacher_required
def history(request: HttpRequest) -> HttpResponse:
    filterset = history_filter(sessions_for_teacher(teacher=request.user), request.GET)
    sessions = filterset.qs
    page = Paginator(history_rows(sessions), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "totals": history_totals(sessions),
        "filters": filterset.shown(),
        "choices": history_choices(teacher=request.user),
        "kinds": HISTORY_KINDS,
        "statuses": PracticeSession.Status.choices,
        "review_states": REVIEW_STATES,
    }
    return render(request, "reviews/history.html", context)


def _review_context(request: HttpRequest, session: PracticeSession, **extra) -> dict:
    review = review_of(session)
    reflection = reflection_of(session)
    comments: dict[uuid.UUID, list[MessageComment]] = {}
    if review is not None:
        for comment in review.comments.all():
            comments.setdefault(comment.message_id, []).append(comment)
    items = [
        (message, comments.get(message.pk, []))
        for message in session.messages.order_by("sequence_number")
    ]
    states = turn_states(session=session)
    context = {
        "session": session,
        "trust_curve": trust_curve(states),
        "skill_summary": session_skill_summary(session=session, states=states),
        "turn_states": code_labels(states),
        "client_name": session.client_name,
        "review": review,
        "items": items,
        "flags": safety_flags(session=session),
        "reflection": reflection,
        "reflection_items": reflection_items(reflection),
        "form": ReviewForm(instance=review),
        "comment_form": CommentForm(),
        "rating_fields": RATING_FIELDS,
        "ratings": [
            (label, None if review is None else getattr(review, name))
            for name, label in RATING_LABELS.items()
        ],
        "formats": [
            ("markdown", "Markdown"),
            ("text", "Plain text"),
            ("json", "JSON"),
            ("csv", "CSV"),
        ],
    }
    return context | extra


@teacher_required
def review(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _get_session_for_teacher(request, session_id)
    if request.method == "POST":
        form = ReviewForm(request.POST, instance=review_of(session))
        if form.is_valid():
            try:
                review_save(session=session, reviewer=request.user, fields=form.cleaned_data)
            except ReviewError as error:
                form.add_error(None, str(error))  # the form comes back as typed: nothing lost
                context = _review_context(request, session, form=form)
                return render(request, "reviews/review.html", context, status=409)
            messages.success(request, "Review saved.")
            return redirect("reviews:review", session_id=session.pk)
        context = _review_context(request, session, form=form)
        return render(request, "reviews/review.html", context, status=400)
    return render(request, "reviews/review.html", _review_context(request, session))


@require_POST
@teacher_required
def comment_new(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _get_session_for_teacher(request, session_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        message = session.messages.filter(pk=form.cleaned_data["message"]).first()
        if message is None:
            raise Http404
        try:
            comment_add(
                session=session,
                reviewer=request.user,
                message=message,
                text=form.cleaned_data["text"],
            )
        except ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Comment added to message {message.sequence_number}.")
        return redirect(f"{_review_url(session)}#msg-{message.pk}")
    errors = " ".join(error for errors in form.errors.values() for error in errors)
    messages.error(request, errors)
    return redirect("reviews:review", session_id=session.pk)


def _review_url(session: PracticeSession) -> str:
    return reverse("reviews:review", kwargs={"session_id": session.pk})


@require_POST
@teacher_required
def comment_remove(request: HttpRequest, session_id: uuid.UUID, comment_id: int) -> HttpResponse:
    session = _get_session_for_teacher(request, session_id)
    comment = get_object_or_404(MessageComment, pk=comment_id, review__session=session)
    comment_delete(comment=comment)
    messages.success(request, "Comment deleted.")
    return redirect("reviews:review", session_id=session.pk)


@require_POST
@teacher_required
def release(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _get_session_for_teacher(request, session_id)
    try:
        review_release(session=session, reviewer=request.user)
    except ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Feedback released: {session.student.display_name} can read it.")
    return redirect("reviews:review", session_id=session.pk)


@require_POST
@teacher_required
def withdraw(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    session = _get_session_for_teacher(request, session_id)
    review = review_of(session)
    if review is not None and review.is_released:
        review_withdraw(review=review)
        messages.success(request, "Feedback withdrawn: the student no longer sees it.")
    return redirect("reviews:review", session_id=session.pk)


@teacher_required
@ratelimit(key="user", rate=EXPORT_RATE, method="GET")
def export(request: HttpRequest, session_id: uuid.UUID, fmt: str) -> HttpResponse:
    if fmt not in exports.RENDERERS:
        raise Http404
    session = _get_session_for_teacher(request, session_id)
    return exports.transcript_download(session, fmt, exports.transcript_data(session))


@teacher_required
@ratelimit(key="user", rate=EXPORT_RATE, method="GET")
def printable(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """The transcript as a clean document: the browser's Print to PDF keeps only this."""
    session = _get_session_for_teacher(request, session_id)
    context = _review_context(request, session)
    return render(request, "reviews/print.html", context)
