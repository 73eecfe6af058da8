import asyncio
import contextlib
import datetime
import logging
import uuid
from uuid import UUID

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from accounts.decorators import staff_required, teacher_required
from accounts.models import User
from monitoring import charts, datacare, exports, selectors
from monitoring.forms import (
    DailyForm,
    PilotForm,
    TeacherFeedbackForm,
    date_range,
)
from monitoring.models import ErrorEvent, TeacherFeedback
from monitoring.services import feedback_submit
from reviews.models import RATINGS
from sessions_app.models import PracticeSession

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("healthz: the database did not answer", exc_info=True)
        return False


async def _channel_layer_ok() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        channel = await layer.new_channel()
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz.ping", "token": token})
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        # A receive cancelled is how a channel is given up: the pub/sub layer then unsubscribes
        # it, where otherwise every check would leave one subscription behind.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(layer.receive(channel), timeout=0.01)
        return message.get("token") == token
    except Exception:
        logger.warning("healthz: the channel layer did not answer", exc_info=True)
        return False


@never_cache
async def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the proxy and the operator: 200 when the database and channel layer answer."""
    checks = {
        "database": await sync_to_async(_database_ok)(),
        "channel_layer": await _channel_layer_ok(),
    }
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"} | {
        name: "ok" if ok else "unavailable" for name, ok in checks.items()
    }
    return JsonResponse(body, status=200 if healthy else 503)


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/dashboard.html", {"snap": selectors.dashboard_snapshot()})


@staff_required
@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """The live block alone: the polling fallback when the socket is down."""
    return render(
        request, "monitoring/dashboard.html#live", {"snap": selectors.dashboard_snapshot()}
    )


SESSIONS_PER_PAGE = 50
EXPORT_RATE = "10/m"


def _filter_query(request: HttpRequest) -> str:
    """The filters as a query string, for the export links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


EXPORT_LABELS = {
    "sessions": "Sessions",
    "messages": "Messages",
    "errors": "Errors",
    "daily": "Daily metrics",
    "cost-sessions": "Cost per session",
    "cost-clients": "Cost per client",
    "teacher-feedback": "Teacher feedback",
    "student-feedback": "Student feedback",
}


def _export_links(request: HttpRequest, datasets: list[str]) -> list[dict]:
    query = _filter_query(request)
    links = []
    for dataset in datasets:
        formats = []
        for fmt in exports.FORMATS:
            url = reverse("monitoring:export", args=[dataset, fmt])
            base = f"{url}?{query}&" if query else f"{url}?"
            formats.append(
                {
                    "fmt": fmt,
                    "url": f"{base}pseudonymise=1",
                    "named_url": url + (f"?{query}" if query else ""),
                }
            )
        links.append({"label": EXPORT_LABELS[dataset], "links": formats})
    return links


@staff_required
def session_list(request: HttpRequest) -> HttpResponse:
    filterset = selectors.session_filter(request.GET)
    sessions = filterset.sessions()
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    counts = selectors.message_counts([session.pk for session in page])
    rows = [(session, counts.get(session.pk, 0)) for session in page]
    context = {
        "form": filterset.form,
        "page": page,
        "rows": rows,
        "filtered": filterset.is_valid(),
        "export_links": _export_links(
            request, ["sessions", "messages", "cost-sessions", "cost-clients"]
        ),
    }
    return render(request, "monitoring/sessions.html", context)


def _session_log_context(session_id: UUID) -> dict:
    try:
        return selectors.session_log(session_id)
    except PracticeSession.DoesNotExist:
        raise Http404 from None


@staff_required
def session_detail(request: HttpRequest, session_id: UUID) -> HttpResponse:
    return render(request, "monitoring/session_detail.html", _session_log_context(session_id))


@staff_required
@never_cache
def session_log(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The session log's live block alone: the polling fallback when the socket is down."""
    return render(request, "monitoring/session_detail.html#log", _session_log_context(session_id))


ERROR_PERIODS = {"day": 1, "week": 7, "month": 30, "all": None}


@staff_required
def errors(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", "week")
    if period not in ERROR_PERIODS:
        period = "week"
    days = ERROR_PERIODS[period]
    since = timezone.now() - datetime.timedelta(days=days) if days else None
    kind = request.GET.get("kind", "")[:64]
    severity = request.GET.get("severity", "")
    if severity not in ErrorEvent.Severity.values:
        severity = ""
    context = {
        "groups": selectors.error_groups(since=since),
        "events": selectors.error_events(kind=kind, severity=severity, since=since),
        "period": period,
        "periods": list(ERROR_PERIODS),
        "kind": kind,
        "severity": severity,
        "severities": ErrorEvent.Severity.choices,
        "export_links": _export_links(request, ["errors"]),
    }
    return render(request, "monitoring/errors.html", context)


@staff_required
def daily(request: HttpRequest) -> HttpResponse:
    form = DailyForm(request.GET or None)
    since, until, data = date_range(form)
    days = selectors.daily_metrics(
        since=since, until=until, practice_only=bool(data.get("practice_only"))
    )
    context = {
        "form": form,
        "charts": charts.daily_charts(days),
        "days": list(reversed(days)),
        "totals": selectors.daily_totals(days),
        "since": since,
        "until": until,
        "time_zone": timezone.get_current_timezone_name(),
        "filtered": bool(data),
        "export_links": _export_links(request, ["daily"]),
    }
    return render(request, "monitoring/daily.html", context)


@staff_required
@ratelimit(key="user", rate=EXPORT_RATE, block=True)
def export(request: HttpRequest, dataset: str, fmt: str) -> HttpResponse:
    """One dataset in one format, with the session filters and date range of the query string."""
    if dataset not in exports.DATASETS or fmt not in exports.FORMATS:
        raise Http404("No such export.")
    range_form = DailyForm(request.GET or None)
    ranged = range_form.cleaned_data if range_form.is_valid() else {}
    options = exports.Options(
        query=request.GET,
        pseudonymise=request.GET.get("pseudonymise") == "1",
        since=ranged.get("since"),
        until=ranged.get("until"),
        practice_only=bool(ranged.get("practice_only")),
    )
    table = exports.DATASETS[dataset](options)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"rapport-{dataset}-{stamp}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(exports.xlsx_bytes(table), content_type=exports.FORMATS[fmt])
    else:
        chunks = exports.csv_chunks(table) if fmt == "csv" else exports.json_chunks(table)
        response = StreamingHttpResponse(chunks, content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@teacher_required
def teacher_feedback(request: HttpRequest) -> HttpResponse:
    """The pilot's feedback form, for every teacher (linked from the header)."""
    form = TeacherFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        feedback_submit(teacher=request.user, **form.cleaned_data)
        messages.success(request, "Thank you: your feedback has reached the pilot team.")
        return redirect("feedback:teacher")
    given = TeacherFeedback.objects.filter(teacher=request.user).count()
    return render(request, "monitoring/teacher_feedback.html", {"form": form, "given": given})


@staff_required
def feedback_summary(request: HttpRequest) -> HttpResponse:
    context = selectors.feedback_summary() | {
        "export_links": _export_links(request, ["teacher-feedback", "student-feedback"])
    }
    return render(request, "monitoring/feedback.html", context)


@staff_required
def quality(request: HttpRequest) -> HttpResponse:
    ratings = [(rating.field, rating.heading) for rating in RATINGS]
    context = {"rows": selectors.quality_by_client(), "ratings": ratings}
    return render(request, "monitoring/quality.html", context)


@staff_required
def pilot(request: HttpRequest) -> HttpResponse:
    form = PilotForm(request.GET or None)
    since, until, data = date_range(form, default_days=7)
    goals = selectors.pilot_scorecard(
        since=since,
        until=until,
        include_tests=bool(data.get("include_tests")),
        include_demo=bool(data.get("include_demo")),
    )
    context = {"form": form, "goals": goals, "since": since, "until": until}
    return render(request, "monitoring/pilot.html", context)


@login_required
def pilot_help(request: HttpRequest) -> HttpResponse:
    """Testing instructions for the pilot, for whoever is logged in (docs/pilot-guide.md)."""
    return render(request, "monitoring/help.html")


@staff_required
@ratelimit(key="user", rate=EXPORT_RATE, block=True)
def user_data(request: HttpRequest, user_id: int) -> HttpResponse:
    """One person's own data, to hand to them, as a JSON download (docs/privacy.md)."""
    person = get_object_or_404(User, pk=user_id)
    return _json_download(datacare.user_export(user=person), f"rapport-user-{person.pk}.json")


@staff_required
@ratelimit(key="user", rate=EXPORT_RATE, block=True)
def user_data_full(request: HttpRequest, user_id: int) -> HttpResponse:
    """Everything held about one person, teachers' private material included: staff only."""
    person = get_object_or_404(User, pk=user_id)
    return _json_download(
        datacare.user_export_full(user=person), f"rapport-user-{person.pk}-staff-full.json"
    )


def _json_download(data: dict, filename: str) -> HttpResponse:
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
