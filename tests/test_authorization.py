"""Who may open what: every URL pattern and every websocket route, as every kind of user.

The tests enumerate the root URLconf (admin's patterns included) and the websocket routes that
config.asgi.application serves. A pattern with no row here fails, naming it, so a new view or
route gets its rows the day it is written:

- a view: add Case rows to HTTP_CASES, at least one GET row (405 if the view is POST-only) and a
  POST row for a view that takes POST; one row per kind of object that answers differently
  (yours, someone else's, unpublished, no such id...).
- a websocket route: add SocketCase rows to SOCKET_CASES (close code per role, or ACCEPTED).
- admin pages are covered by a rule (admin_cases): the index, login, and every registered model's
  changelist, add, change, history and delete pages, and every app's index.

Each row is requested as each role in ROLES, every request in a savepoint rolled back afterwards,
so what one role does (ending a session) never changes what the next one sees.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import quote

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote as admin_quote
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import models, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from clients.models import ClientProfile
from config.asgi import application
from conftest import add_message, make_client, make_user
from conversations.models import Message, SafetyFlag
from monitoring.models import ErrorEvent, TeacherFeedback
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start

ROLES = ("anonymous", "student", "other_student", "teacher", "other_teacher", "staff", "superuser")


# --- Outcomes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A 302 to `to`: {placeholders} are the URL's kwargs and {next} (the path requested,
    quoted as Django quotes it); `*` stands for any text within one path segment."""

    to: str


@dataclass(frozen=True)
class AdminPermission:
    """200 if the model's ModelAdmin gives a superuser this permission on the object, else 403."""

    model: type[models.Model]
    action: str  # "view_or_change", "add" or "delete"


ACCEPTED = "accepted"  # a socket that stays open
Outcome = int | str | Redirect | AdminPermission

OK, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 403, 404, 405
LOGIN = Redirect("/accounts/login/?next={next}")
ADMIN_LOGIN = Redirect("/admin/login/?next={next}")
NEW_SESSION = Redirect("/sessions/*/")
SET_PASSWORD_FORM = Redirect("/accounts/set-password/{uidb64}/set-password/")
NOT_LOGGED_IN, NOT_YOURS, NO_SUCH_SESSION = 4401, 4403, 4404
NOT_STAFF = 4403


class Expect(NamedTuple):
    """The answer each role gets. The superuser (the demo `staff`) gets what staff get unless
    told otherwise: Rapport's views look at is_staff, never is_superuser."""

    anonymous: Outcome
    student: Outcome  # owns the sessions below
    other_student: Outcome
    teacher: Outcome  # owns the clients below
    other_teacher: Outcome
    staff: Outcome  # role teacher, is_staff, no model permissions
    superuser: Outcome | None = None

    def of(self, role: str) -> Outcome:
        outcome = getattr(self, role)
        return self.staff if outcome is None else outcome


def everyone(outcome: Outcome) -> Expect:
    return Expect(outcome, outcome, outcome, outcome, outcome, outcome)


def logged_in(outcome: Outcome) -> Expect:
    """Anonymous users are sent to log in; everyone else gets `outcome`."""
    return Expect(LOGIN, outcome, outcome, outcome, outcome, outcome)


def owner_only(outcome: Outcome) -> Expect:
    """The student's object: `outcome` for them, 404 for everyone else (ids reveal nothing)."""
    return Expect(LOGIN, outcome, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)


def staff_only(outcome: Outcome) -> Expect:
    """Monitoring: `outcome` for staff; 403 for everyone else who is logged in."""
    return Expect(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, outcome)


# --- The objects the URLs point at --------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    client: ClientProfile  # the teacher's, published
    draft_client: ClientProfile  # the teacher's, unpublished
    session: PracticeSession  # the student's, active, with `client`
    ended_session: PracticeSession  # the student's, completed
    unknown_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def instance(self, model: type[models.Model]) -> models.Model:
        found = model._default_manager.order_by("pk").first()
        if found is None:
            pytest.fail(
                f"The world has no {model._meta.label} to open in the admin: create one in the "
                "world fixture of tests/test_authorization.py."
            )
        return found


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Views that call the engine run channels' database_sync_to_async, which closes "old"
    connections first; inside the test's transaction that would close the test's own connection
    (on PostgreSQL). Django's test client switches close_old_connections off for the same reason.
    """
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


@pytest.fixture
def world(student, other_student, teacher, other_teacher, staff, practice_session) -> World:
    superuser = make_user("root", User.Role.TEACHER, is_staff=True, is_superuser=True)
    ended = session_start(student=student, client=practice_session.client_profile)
    session_end(session=ended)
    turn = add_message(session=practice_session, role=Message.Role.STUDENT, content="Hello.")
    SafetyFlag.objects.create(session=practice_session, message=turn)
    ErrorEvent.objects.create(
        kind="test.event", severity=ErrorEvent.Severity.INFO, message="For the admin pages."
    )
    TeacherFeedback.objects.create(teacher=teacher, overall_impression=4, client_quality=4)
    Group.objects.create(name="Tutors")
    return World(
        users={
            "anonymous": None,
            "student": student,
            "other_student": other_student,
            "teacher": teacher,
            "other_teacher": other_teacher,
            "staff": staff,
            "superuser": superuser,
        },
        client=practice_session.client_profile,
        draft_client=make_client(teacher, name="Draft Client", is_published=False),
        session=practice_session,
        ended_session=ended,
    )


Kwargs = Callable[[World], dict[str, Any]]


def no_kwargs(world: World) -> dict[str, Any]:
    return {}


def active_session(world: World) -> dict[str, Any]:
    return {"session_id": world.session.pk}


def ended_session(world: World) -> dict[str, Any]:
    return {"session_id": world.ended_session.pk}


def unknown_session(world: World) -> dict[str, Any]:
    return {"session_id": world.unknown_id}


def the_student(world: World) -> dict[str, Any]:
    return {"user_id": world.users["student"].pk}


def no_such_user(world: World) -> dict[str, Any]:
    return {"user_id": 987654}


def transcript_markdown(world: World) -> dict[str, Any]:
    return ended_session(world) | {"fmt": "markdown"}


def transcript_text(world: World) -> dict[str, Any]:
    return ended_session(world) | {"fmt": "text"}


def transcript_json(world: World) -> dict[str, Any]:
    return ended_session(world) | {"fmt": "json"}


def transcript_unknown_session(world: World) -> dict[str, Any]:
    return unknown_session(world) | {"fmt": "text"}


def export_sessions_csv(world: World) -> dict[str, Any]:
    return {"dataset": "sessions", "fmt": "csv"}


def export_unknown(world: World) -> dict[str, Any]:
    return {"dataset": "passwords", "fmt": "csv"}


def published_client(world: World) -> dict[str, Any]:
    return {"client_id": world.client.pk}


def draft_client(world: World) -> dict[str, Any]:
    return {"client_id": world.draft_client.pk}


def unknown_client(world: World) -> dict[str, Any]:
    return {"client_id": world.unknown_id}


def set_password_link(world: World) -> dict[str, Any]:
    student = world.users["student"]
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(student.pk)),
        "token": default_token_generator.make_token(student),
    }


def forged_set_password_link(world: World) -> dict[str, Any]:
    return set_password_link(world) | {"token": "abc-0123456789abcdef"}


# --- The HTTP table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str  # the URL name, namespaced: "sessions:detail"
    method: str
    expect: Expect
    kwargs: Kwargs = no_kwargs
    label: str = ""
    data: dict[str, str] = field(default_factory=dict)


HTTP_CASES = [
    Case(
        "home",
        "GET",
        Expect(
            anonymous=LOGIN,
            student=Redirect("/practice/"),
            other_student=Redirect("/practice/"),
            teacher=Redirect("/teach/"),
            other_teacher=Redirect("/teach/"),
            staff=Redirect("/monitor/"),
        ),
    ),
    Case("healthz", "GET", everyone(OK)),
    Case("accounts:login", "GET", Expect(OK, *[Redirect("/")] * 5)),
    Case(
        "accounts:login",
        "POST",
        Expect(OK, *[Redirect("/")] * 5),
        label="wrong password",
        data={"username": "stu", "password": "wrong"},
    ),
    Case("accounts:logout", "GET", everyone(NOT_ALLOWED)),
    Case("accounts:logout", "POST", everyone(Redirect("/accounts/login/"))),
    Case("accounts:notice", "GET", logged_in(OK)),
    Case("accounts:notice", "POST", logged_in(Redirect("/")), label="acknowledge"),
    Case(
        "accounts:set_password",
        "GET",
        Expect(
            anonymous=SET_PASSWORD_FORM,
            student=OK,  # the link's own user, logged in since it was issued: it is spent
            other_student=SET_PASSWORD_FORM,
            teacher=SET_PASSWORD_FORM,
            other_teacher=SET_PASSWORD_FORM,
            staff=SET_PASSWORD_FORM,
        ),
        set_password_link,
        "the student's link",
    ),
    Case("accounts:set_password", "GET", everyone(OK), forged_set_password_link, "forged link"),
    Case(
        "practice:gallery",
        "GET",
        Expect(LOGIN, OK, OK, teacher=FORBIDDEN, other_teacher=FORBIDDEN, staff=FORBIDDEN),
    ),
    Case(
        "practice:client",
        "GET",
        Expect(LOGIN, OK, OK, teacher=FORBIDDEN, other_teacher=FORBIDDEN, staff=FORBIDDEN),
        published_client,
        "published client",
    ),
    Case(
        "practice:client",
        "GET",
        Expect(LOGIN, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        draft_client,
        "unpublished client",
    ),
    Case(
        "practice:client",
        "GET",
        Expect(LOGIN, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        unknown_client,
        "no such client",
    ),
    Case(
        "practice:sessions",
        "GET",
        Expect(LOGIN, OK, OK, teacher=FORBIDDEN, other_teacher=FORBIDDEN, staff=FORBIDDEN),
    ),
    Case("practice:start", "GET", everyone(NOT_ALLOWED), published_client),
    Case(
        "practice:start",
        "POST",
        Expect(
            anonymous=LOGIN,
            student=NEW_SESSION,
            other_student=NEW_SESSION,
            teacher=NEW_SESSION,  # a test conversation with their own client
            other_teacher=NOT_FOUND,
            staff=NOT_FOUND,
        ),
        published_client,
        "published client",
    ),
    Case(
        "practice:start",
        "POST",
        Expect(LOGIN, NOT_FOUND, NOT_FOUND, NEW_SESSION, NOT_FOUND, NOT_FOUND),
        draft_client,
        "unpublished client",
    ),
    Case("practice:start", "POST", logged_in(NOT_FOUND), unknown_client, "no such client"),
    Case("sessions:detail", "GET", owner_only(OK), active_session, "active"),
    Case("sessions:detail", "GET", owner_only(OK), ended_session, "ended"),
    Case("sessions:detail", "GET", logged_in(NOT_FOUND), unknown_session, "no such session"),
    Case("sessions:end", "GET", everyone(NOT_ALLOWED), active_session),
    Case(
        "sessions:end",
        "POST",
        owner_only(Redirect("/sessions/{session_id}/complete/")),
        active_session,
        "active",
    ),
    Case(
        "sessions:end",
        "POST",
        owner_only(Redirect("/sessions/{session_id}/complete/")),
        ended_session,
        "already ended",
    ),
    Case(
        "sessions:complete",
        "GET",
        owner_only(Redirect("/sessions/{session_id}/")),
        active_session,
        "active",
    ),
    Case("sessions:complete", "GET", owner_only(OK), ended_session, "ended"),
    Case(
        "sessions:transcript",
        "GET",
        Expect(LOGIN, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        transcript_markdown,
        "the student's own, as Markdown",
    ),
    Case(
        "sessions:transcript",
        "GET",
        Expect(LOGIN, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        transcript_text,
        "the student's own, as plain text",
    ),
    Case(
        "sessions:transcript",
        "GET",
        Expect(LOGIN, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        transcript_json,
        "a format students do not get",
    ),
    Case(
        "sessions:transcript",
        "GET",
        Expect(LOGIN, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        transcript_unknown_session,
        "no such session",
    ),
    Case(
        "sessions:complete",
        "POST",
        owner_only(OK),
        ended_session,
        "ended, invalid: the form again",
    ),
    Case(
        "sessions:complete",
        "POST",
        owner_only(Redirect("/sessions/{session_id}/complete/")),
        ended_session,
        "ended, reflection saved",
        data={"feedback-ease_of_use": "4", "feedback-learning_value": "5"},
    ),
    Case(
        "clients:teacher_home",
        "GET",
        Expect(LOGIN, FORBIDDEN, FORBIDDEN, teacher=OK, other_teacher=OK, staff=OK),
    ),
    Case("monitoring:dashboard", "GET", staff_only(OK)),
    Case("monitoring:live", "GET", staff_only(OK)),
    Case("monitoring:errors", "GET", staff_only(OK)),
    Case("monitoring:daily", "GET", staff_only(OK)),
    Case("monitoring:feedback", "GET", staff_only(OK)),
    Case("monitoring:user_data", "GET", staff_only(OK), the_student, "a student"),
    Case("monitoring:user_data", "GET", staff_only(NOT_FOUND), no_such_user, "no such user"),
    Case("monitoring:user_data_full", "GET", staff_only(OK), the_student, "a student"),
    Case("monitoring:user_data_full", "GET", staff_only(NOT_FOUND), no_such_user, "no such user"),
    Case("monitoring:quality", "GET", staff_only(OK)),
    Case("monitoring:pilot", "GET", staff_only(OK)),
    Case("feedback:teacher", "GET", Expect(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, OK)),
    Case("help:pilot", "GET", logged_in(OK)),
    Case(
        "feedback:teacher",
        "POST",
        Expect(LOGIN, FORBIDDEN, FORBIDDEN, *[Redirect("/feedback/")] * 3),
        data={"overall_impression": "4", "client_quality": "4"},
    ),
    Case("monitoring:export", "GET", staff_only(OK), export_sessions_csv, "sessions as CSV"),
    Case("monitoring:export", "GET", staff_only(NOT_FOUND), export_unknown, "no such export"),
    Case("monitoring:sessions", "GET", staff_only(OK)),
    Case("monitoring:session", "GET", staff_only(OK), active_session, "a session"),
    Case("monitoring:session", "GET", staff_only(NOT_FOUND), unknown_session, "no such session"),
    Case("monitoring:session_log", "GET", staff_only(OK), active_session, "a session"),
    Case(
        "monitoring:session_log", "GET", staff_only(NOT_FOUND), unknown_session, "no such session"
    ),
]


# --- Teacher pages (clients, previews, history, review, exports) -------------------------------


def teachers(outcome: Outcome) -> Expect:
    """A teacher-only page with nothing of anyone's in it: students 403, every teacher `outcome`."""
    return Expect(LOGIN, FORBIDDEN, FORBIDDEN, outcome, outcome, outcome)


def client_owner(outcome: Outcome) -> Expect:
    """The teacher's client or a session with it: `outcome` for them, 404 for other teachers."""
    return Expect(LOGIN, FORBIDDEN, FORBIDDEN, outcome, NOT_FOUND, NOT_FOUND)


def teacher_preview(world: World) -> dict[str, Any]:
    """A preview session of the teacher's (made once per world)."""
    if not hasattr(world, "preview"):
        from sessions_app.services import preview_start

        world.preview = preview_start(client=world.client, teacher=world.users["teacher"])
    return {"session_id": world.preview.pk}


def session_comment(world: World) -> dict[str, Any]:
    """A comment of the teacher's on the student's active session (made once per world)."""
    if not hasattr(world, "comment"):
        from reviews.services import comment_add

        world.comment = comment_add(
            session=world.session,
            reviewer=world.users["teacher"],
            message=world.session.messages.first(),
            text="Good open question.",
        )
    return {"session_id": world.session.pk, "comment_id": world.comment.pk}


def session_export(fmt: str) -> Kwargs:
    return lambda world: {"session_id": world.session.pk, "fmt": fmt}


REVIEW_PAGE = Redirect("/teach/sessions/{session_id}/")
TEACH_HOME = Redirect("/teach/")

TEACHER_CASES = [
    Case("clients:client_list", "GET", teachers(OK)),
    Case("clients:new", "GET", teachers(OK)),
    Case("clients:new", "POST", teachers(OK), label="invalid: the form again"),
    Case("clients:import", "GET", teachers(OK)),
    Case("clients:import", "POST", teachers(400), label="no file"),
    Case("clients:export_all", "GET", teachers(OK)),
    Case("clients:edit", "GET", client_owner(OK), published_client),
    Case("clients:edit", "POST", client_owner(OK), published_client, "invalid: the form again"),
    Case(
        "clients:edit",
        "GET",
        Expect(LOGIN, FORBIDDEN, FORBIDDEN, *[NOT_FOUND] * 3),
        unknown_client,
        "no such client",
    ),
    Case("clients:publish", "GET", everyone(NOT_ALLOWED), draft_client),
    Case("clients:publish", "POST", client_owner(TEACH_HOME), draft_client),
    Case("clients:unpublish", "GET", everyone(NOT_ALLOWED), published_client),
    Case("clients:unpublish", "POST", client_owner(TEACH_HOME), published_client),
    # On the draft (never the published client the student cases use), archived then back.
    Case("clients:archive", "GET", everyone(NOT_ALLOWED), draft_client),
    Case("clients:archive", "POST", client_owner(TEACH_HOME), draft_client),
    Case("clients:unarchive", "GET", everyone(NOT_ALLOWED), draft_client),
    Case("clients:unarchive", "POST", client_owner(TEACH_HOME), draft_client),
    Case("clients:duplicate", "GET", everyone(NOT_ALLOWED), published_client),
    Case(
        "clients:duplicate",
        "POST",
        client_owner(Redirect("/teach/clients/*/edit/")),
        published_client,
    ),
    Case("clients:export", "GET", client_owner(OK), published_client),
    Case("conversations:preview", "GET", client_owner(OK), draft_client),
    Case(
        "conversations:preview",
        "POST",
        client_owner(Redirect("/teach/previews/*/")),
        draft_client,
        "run",
        data={"line": "Hello, what brings you here?"},
    ),
    Case("conversations:preview_run", "GET", client_owner(OK), teacher_preview),
    Case(
        "conversations:preview_run", "GET", client_owner(NOT_FOUND), active_session, "not a preview"
    ),
    Case("conversations:preview_end", "GET", everyone(NOT_ALLOWED), teacher_preview),
    Case("conversations:preview_end", "POST", client_owner(OK), teacher_preview),
    Case("reviews:history", "GET", teachers(OK)),
    Case("reviews:review", "GET", client_owner(OK), active_session),
    Case("reviews:review", "GET", client_owner(OK), ended_session, "ended"),
    Case(
        "reviews:review",
        "GET",
        Expect(LOGIN, FORBIDDEN, FORBIDDEN, *[NOT_FOUND] * 3),
        unknown_session,
        "no such session",
    ),
    Case(
        "reviews:review",
        "POST",
        client_owner(REVIEW_PAGE),
        ended_session,
        "save",
        data={"overall_note": "Well done."},
    ),
    Case("reviews:comment_new", "GET", everyone(NOT_ALLOWED), ended_session),
    Case(
        "reviews:comment_new",
        "POST",
        client_owner(REVIEW_PAGE),
        ended_session,
        "no text: back to the page",
    ),
    Case("reviews:comment_delete", "GET", everyone(NOT_ALLOWED), session_comment),
    Case("reviews:comment_delete", "POST", client_owner(REVIEW_PAGE), session_comment),
    Case("reviews:release", "GET", everyone(NOT_ALLOWED), ended_session),
    Case("reviews:release", "POST", client_owner(REVIEW_PAGE), ended_session),
    Case("reviews:withdraw", "GET", everyone(NOT_ALLOWED), ended_session),
    Case("reviews:withdraw", "POST", client_owner(REVIEW_PAGE), ended_session),
    Case("reviews:print", "GET", client_owner(OK), ended_session),
    *[
        Case("reviews:export", "GET", client_owner(OK), session_export(fmt), fmt)
        for fmt in ("markdown", "text", "json", "csv")
    ],
    Case(
        "reviews:export", "GET", client_owner(NOT_FOUND), session_export("xlsx"), "unknown format"
    ),
]
HTTP_CASES += TEACHER_CASES


def admin_cases() -> list[Case]:
    """The admin rule: people who are not staff are sent to the admin login; staff without
    model permissions get the index and 403 on model pages; a superuser gets what the ModelAdmin
    allows."""
    not_staff = [ADMIN_LOGIN] * 5
    cases = [
        Case("admin:index", "GET", Expect(*not_staff, staff=OK)),
        Case("admin:login", "GET", Expect(*[OK] * 5, staff=Redirect("/admin/"))),
    ]
    registry = admin.site._registry
    for app_label in sorted({model._meta.app_label for model in registry}):
        cases.append(
            Case(
                "admin:app_list",
                "GET",
                Expect(*not_staff, staff=NOT_FOUND, superuser=OK),
                lambda world, app_label=app_label: {"app_label": app_label},
                app_label,
            )
        )
    for model in sorted(registry, key=lambda model: model._meta.label):
        cases.extend(_admin_model_cases(model, not_staff))
    return cases


def _admin_model_cases(model: type[models.Model], not_staff: list[Outcome]) -> list[Case]:
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"

    def instance(world: World) -> dict[str, Any]:
        return {"object_id": admin_quote(world.instance(model).pk)}

    def page(suffix: str, action: str, kwargs: Kwargs = no_kwargs) -> Case:
        expect = Expect(*not_staff, staff=FORBIDDEN, superuser=AdminPermission(model, action))
        return Case(f"{prefix}_{suffix}", "GET", expect, kwargs)

    return [
        page("changelist", "view_or_change"),
        page("add", "add"),
        page("change", "view_or_change", instance),
        page("history", "view_or_change", instance),
        page("delete", "delete", instance),
    ]


ALL_HTTP_CASES = HTTP_CASES + admin_cases()


# --- Checking one row ---------------------------------------------------------------------------


def _fill(template: str, path: str, kwargs: dict[str, Any]) -> str:
    values = {name: str(value) for name, value in kwargs.items()}
    return template.format(next=quote(path, safe="/"), **values)


def _expected_status(outcome: Outcome, world: World, kwargs: dict[str, Any]) -> int | Redirect:
    if not isinstance(outcome, AdminPermission):
        return outcome
    request = RequestFactory().get("/admin/")
    request.user = world.users["superuser"]
    model_admin = admin.site._registry[outcome.model]
    has_permission = getattr(model_admin, f"has_{outcome.action}_permission")
    obj = world.instance(outcome.model) if "object_id" in kwargs else None
    if outcome.action == "add":
        return OK if has_permission(request) else FORBIDDEN
    return OK if has_permission(request, obj) else FORBIDDEN


def _pattern_regex(pattern: str) -> str:
    return "[^/]*".join(re.escape(part) for part in pattern.split("*"))


def _answered_as(
    expected: int | Redirect, response: HttpResponse, path: str, kwargs: dict[str, Any]
) -> bool:
    if isinstance(expected, int):
        return response.status_code == expected
    location = response.get("Location", "")
    target = _fill(expected.to, path, kwargs)
    return (
        response.status_code == 302 and re.fullmatch(_pattern_regex(target), location) is not None
    )


def _describe(response: HttpResponse) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} to {response.get('Location')}"
    return str(response.status_code)


def _describe_expected(expected: int | Redirect, path: str, kwargs: dict[str, Any]) -> str:
    if isinstance(expected, int):
        return str(expected)
    return f"302 to {_fill(expected.to, path, kwargs)}"


def _request(user: User | None, case: Case, path: str) -> HttpResponse:
    client = Client(raise_request_exception=False)
    if user is not None:
        # A fresh copy: logging in updates last_login, which must not leak into the world.
        client.force_login(User.objects.get(pk=user.pk))
    if case.method == "GET":
        return client.get(path)
    if case.method == "POST":
        return client.post(path, case.data)
    return client.generic(case.method, path)


def _mismatch(case: Case, role: str, world: World) -> str | None:
    kwargs = case.kwargs(world)
    path = reverse(case.name, kwargs=kwargs)
    expected = _expected_status(case.expect.of(role), world, kwargs)
    with transaction.atomic():
        response = _request(world.users[role], case, path)
        transaction.set_rollback(True)
    if _answered_as(expected, response, path, kwargs):
        return None
    wanted = _describe_expected(expected, path, kwargs)
    return f"{role} {case.method} {path}: expected {wanted}, got {_describe(response)}"


def _case_id(case: Case) -> str:
    return " ".join(part for part in (case.method, case.name, case.label) if part)


@pytest.mark.usefixtures("keep_test_connection")
@pytest.mark.parametrize("case", ALL_HTTP_CASES, ids=_case_id)
def test_each_role_gets_the_answer_in_the_table(case: Case, world: World) -> None:
    mismatches = [line for role in ROLES if (line := _mismatch(case, role, world))]
    assert not mismatches, "\n".join(mismatches)


# --- Every pattern has rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str | None  # namespaced
    route: str
    namespace: str

    @property
    def is_admin(self) -> bool:
        return self.namespace == "admin" or self.namespace.startswith("admin:")

    def __str__(self) -> str:
        return f"{self.name or '(no name)'} ({self.route})"


def url_patterns(
    patterns: list | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[Pattern]:
    """Every URL pattern reachable from the root URLconf, with its full route and namespace."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from url_patterns(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Pattern(name, route, namespace)


def test_every_url_pattern_has_a_row() -> None:
    with_get_row = {case.name for case in HTTP_CASES if case.method == "GET"}
    missing = [
        str(pattern)
        for pattern in url_patterns()
        if not pattern.is_admin and pattern.name not in with_get_row
    ]
    assert not missing, (
        "URL patterns with no GET row in HTTP_CASES (tests/test_authorization.py); add rows "
        "saying what each role gets (and name the pattern if it has no name): " + ", ".join(missing)
    )


def test_every_row_names_a_url_pattern() -> None:
    names = {pattern.name for pattern in url_patterns()}
    stale = sorted({case.name for case in ALL_HTTP_CASES} - names)
    assert not stale, f"Rows for URL names that no pattern has: {', '.join(stale)}"


def test_every_post_only_view_has_a_post_row() -> None:
    post_only = {
        case.name
        for case in HTTP_CASES
        if case.method == "GET" and all(case.expect.of(role) == NOT_ALLOWED for role in ROLES)
    }
    with_post_row = {case.name for case in HTTP_CASES if case.method == "POST"}
    missing = sorted(post_only - with_post_row)
    assert not missing, f"POST-only views (GET is 405) with no POST row: {', '.join(missing)}"


def test_the_admin_rule_covers_the_admin_index_and_every_registered_model() -> None:
    names = {case.name for case in admin_cases()}
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert {f"{prefix}_changelist", f"{prefix}_add", f"{prefix}_change"} <= names
    assert {"admin:index", "admin:login"} <= names


# --- Websockets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the route's name, or its pattern when it has none
    route: str


def served_socket_patterns() -> list:
    """The routes of the URLRouter inside config.asgi.application's websocket stack: what the
    server really serves, whichever module the patterns come from."""
    app = application.application_mapping["websocket"]
    while not isinstance(app, URLRouter):
        inner = getattr(app, "application", None) or getattr(app, "inner", None)
        if inner is None:
            pytest.fail(f"No URLRouter found inside the websocket stack, at {app!r}")
        app = inner
    return app.routes


def socket_routes(patterns: list | None = None, prefix: str = "") -> Iterator[Route]:
    for entry in served_socket_patterns() if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry.callback, URLRouter):
            yield from socket_routes(entry.callback.routes, route)
        else:
            yield Route(getattr(entry, "name", None) or route, route)


@dataclass(frozen=True)
class SocketCase:
    route: str  # a Route.key
    label: str
    kwargs: Kwargs
    expect: Expect  # ACCEPTED, or the close code that follows the accept


SOCKET_CASES = [
    SocketCase(
        "session_socket",
        "the student's session",
        active_session,
        Expect(
            anonymous=NOT_LOGGED_IN,
            student=ACCEPTED,
            other_student=NOT_YOURS,
            teacher=NOT_YOURS,  # the client's teacher: read-only watching comes later
            other_teacher=NOT_YOURS,
            staff=NOT_YOURS,
        ),
    ),
    SocketCase(
        "session_socket",
        "no such session",
        unknown_session,
        Expect(NOT_LOGGED_IN, *[NO_SUCH_SESSION] * 5),
    ),
    SocketCase(
        "monitor_socket",
        "the live dashboard",
        no_kwargs,
        Expect(NOT_LOGGED_IN, NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, ACCEPTED),
    ),
    SocketCase(
        "session_log_socket",
        "the staff log of the student's session",
        active_session,
        Expect(NOT_LOGGED_IN, NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, ACCEPTED),
    ),
    SocketCase(
        "session_log_socket",
        "no such session",
        unknown_session,
        Expect(NOT_LOGGED_IN, NOT_STAFF, NOT_STAFF, NOT_STAFF, NOT_STAFF, NO_SUCH_SESSION),
    ),
]
SOCKET_CLOSE_WAIT_SECONDS = 10
SOCKET_QUIET_SECONDS = 1
# A socket that keeps talking (the live dashboard sends every second) counts as open after this.
SOCKET_TALKING_SECONDS = 3


def test_every_websocket_route_has_a_row() -> None:
    covered = {case.route for case in SOCKET_CASES}
    missing = [f"{r.key} ({r.route})" for r in socket_routes() if r.key not in covered]
    assert not missing, (
        "Websocket routes with no row in SOCKET_CASES (tests/test_authorization.py): "
        + ", ".join(missing)
    )


def test_every_websocket_row_names_a_route() -> None:
    keys = {route.key for route in socket_routes()}
    stale = sorted({case.route for case in SOCKET_CASES} - keys)
    assert not stale, f"Rows for websocket routes that do not exist: {', '.join(stale)}"


def _socket_path(case: SocketCase, world: World) -> str:
    route = next((r.route for r in socket_routes() if r.key == case.route), None)
    if route is None:
        pytest.fail(f"No websocket route {case.route!r}")
    kwargs = case.kwargs(world)
    if route.startswith("^"):
        pytest.fail(f"Route {route!r} is a regex: use path() so the table can fill it in")
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(kwargs[match[1]]), route)


def _session_cookie(user: User | None) -> list[tuple[bytes, bytes]]:
    if user is None:
        return []
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [(b"cookie", f"{settings.SESSION_COOKIE_NAME}={value}".encode())]


async def _socket_outcome(path: str, headers: list, expect_close: bool) -> Outcome:
    """What a client sees: ACCEPTED (open, no close), the close code that follows the accept,
    or a description of anything else (frames sent to someone who should get a close)."""
    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://testserver"), *headers]
    )
    try:
        connected, code = await communicator.connect(timeout=SOCKET_CLOSE_WAIT_SECONDS)
        if not connected:
            return f"closed with {code} before the accept (a browser sees only 1006)"
        return await _after_accept(communicator, expect_close)
    finally:
        await communicator.disconnect()


async def _after_accept(communicator: WebsocketCommunicator, expect_close: bool) -> Outcome:
    """Read until a close, or until the socket has been quiet for a while."""
    frames = 0
    wait = SOCKET_CLOSE_WAIT_SECONDS if expect_close else SOCKET_QUIET_SECONDS
    talking_until = time.monotonic() + SOCKET_TALKING_SECONDS
    while True:
        if not expect_close and time.monotonic() > talking_until:
            return ACCEPTED
        # receive_nothing, not a receive_output timeout: that would cancel the consumer.
        if await communicator.receive_nothing(timeout=wait, interval=0.02):
            return f"accepted, and sent {frames} frame(s)" if expect_close and frames else ACCEPTED
        output = await communicator.receive_output()
        if output["type"] == "websocket.close":
            code = output.get("code", 1000)
            return f"sent {frames} frame(s), then closed with {code}" if frames else code
        frames += 1
        wait = SOCKET_QUIET_SECONDS


def _socket_mismatch(case: SocketCase, role: str, world: World) -> str | None:
    path = _socket_path(case, world)
    expected = case.expect.of(role)
    headers = _session_cookie(world.users[role])
    actual = async_to_sync(_socket_outcome)(path, headers, expected != ACCEPTED)
    if actual == expected:
        return None
    return f"{role} {path}: expected {expected}, got {actual}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", SOCKET_CASES, ids=lambda case: f"{case.route} {case.label}")
def test_each_role_gets_the_socket_answer_in_the_table(case: SocketCase, world: World) -> None:
    mismatches = [line for role in ROLES if (line := _socket_mismatch(case, role, world))]
    assert not mismatches, "\n".join(mismatches)
