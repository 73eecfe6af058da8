"""XSS payloads in every text field come out escaped on every page and in every export.

Every text field of a client card, the users' names, student turns, model output (stored, and
streamed from the fake API over the socket), teacher comments and feedback, and error events
hold payloads. The test walks the root URLconf: every pattern, with every kind of object its
parameters name, as every role (the roles of tests/test_authorization.py), plus the admin pages a
superuser may open. Every 200 is checked, by its content type:

- HTML: no payload survives unescaped (no script, tag, attribute break-out or javascript: URL),
  and no template syntax from the data was evaluated.
- exports: never served as HTML (nosniff, attachment); CSV cells cannot run as formulas;
  Markdown shows raw HTML and link syntax as text; JSON parses.

A page added later is walked without changes here; a URL parameter not seen before fails below,
naming itself, until it gets values in PARAMETER_VALUES.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import uuid
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import User
from clients.models import ClientProfile
from conftest import add_message, make_user
from conversations.models import Message
from conversations.tests.conftest import open_socket
from fakeapi.behaviours import Reply
from fakeapi.server import FakeServer
from monitoring.models import ErrorEvent
from reviews.models import REVIEW_FIELDS, SessionReview
from reviews.services import comment_add, review_release, review_save
from sessions_app.models import PracticeSession
from sessions_app.services import preview_start, session_end, session_start
from tests.test_authorization import (
    ROLES,
    World,
    admin_cases,
    set_password_link,
    url_patterns,
)

# No spaces inside a payload: the fake API streams a reply word by word, and each payload must
# reach the page within one piece for the check to see it whole.
PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img/src=x/onerror=alert(2)>',
    "'><svg/onload=alert(3)>",
    'x"onmouseover="alert(4)"',
    "x'onmouseover='alert(5)'",
    "javascript:alert(6)",
    '{{"ev"|add:"aluated-77"}}',
    "<iframe/src=javascript:alert(8)>",
)
FORMULA = '=HYPERLINK("http://x.invalid","csv")'
# What must never appear in an HTML response: the payloads' working parts, unescaped.
UNESCAPED = (
    "<script>alert(",
    "<img/src=x",
    "<svg/onload",
    '"onmouseover="alert',
    "'onmouseover='alert",
    "<iframe/src=",
    "evaluated-77",  # the template payload, evaluated
)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def payload_text(label: str, max_length: int | None = None) -> str:
    """`label` and as many payloads as fit in max_length."""
    text = label
    for payload in PAYLOADS:
        if max_length is not None and len(text) + 1 + len(payload) > max_length:
            continue
        text += " " + payload
    return text


def fill_text_fields(model: type[models.Model], prefix: str, **fixed: Any) -> dict[str, Any]:
    """A payload for every free-text field of `model` (choices excepted); lists get two."""
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        label = f"{prefix}.{field.name}"
        if field.name in fixed or field.primary_key or field.is_relation or field.choices:
            continue
        if isinstance(field, models.JSONField) and isinstance(field.get_default(), list):
            values[field.name] = [payload_text(label), payload_text(label + "[1]")]
        elif isinstance(field, models.TextField | models.CharField) and not isinstance(
            field, models.EmailField | models.SlugField | models.URLField
        ):
            values[field.name] = payload_text(label, field.max_length)
    return values | fixed


# --- The world, full of payloads ----------------------------------------------------------------


def _card_v2_parts(prefix: str) -> dict[str, Any]:
    """Card v2's structured fields, a payload in every text they hold (a disclosure open from
    the first turn, so its text reaches the turn note and the demo's replies too)."""

    def disclosure(label: str, level: int) -> dict[str, Any]:
        return {"text": payload_text(label), "level": level, "keywords": [payload_text(label, 200)]}

    return {
        "disclosures": [disclosure(f"{prefix}.disclosure", 1)],
        "risk": {"stance": "deflects", "disclosure": disclosure(f"{prefix}.risk", 3)},
        "voice": {
            "register": "plain",
            "fluency": "halting",
            "examples": [payload_text(f"{prefix}.voice[0]"), payload_text(f"{prefix}.voice[1]")],
        },
    }


def _person(username: str, role: str = User.Role.STUDENT, **extra: Any) -> User:
    names = {
        "first_name": payload_text(f"{username}.first", 150),
        "last_name": payload_text(f"{username}.last", 150),
    }
    return make_user(username, role, **(names | extra))


def _converse(session: PracticeSession) -> None:
    rows = [
        (Message.Role.STUDENT, payload_text("student turn"), Message.Status.COMPLETE),
        (Message.Role.CLIENT, payload_text("model output"), Message.Status.COMPLETE),
        (Message.Role.STUDENT, FORMULA, Message.Status.COMPLETE),
        (Message.Role.CLIENT, payload_text("failed partial"), Message.Status.FAILED),
        (Message.Role.STUDENT, payload_text("second turn"), Message.Status.COMPLETE),
        (Message.Role.CLIENT, payload_text("interrupted"), Message.Status.INTERRUPTED),
    ]
    for role, content, status in rows:
        add_message(session=session, role=role, content=content, status=status)


@pytest.fixture
def world(db) -> World:
    student = _person("xss-stu")
    teacher = _person("xss-tea", User.Role.TEACHER)
    users: dict[str, User | None] = {
        "anonymous": None,
        "student": student,
        "other_student": _person("xss-stu2"),
        "teacher": teacher,
        "other_teacher": _person("xss-tea2", User.Role.TEACHER),
        "staff": _person("xss-sta", User.Role.TEACHER, is_staff=True),
        "superuser": _person("xss-root", User.Role.TEACHER, is_staff=True, is_superuser=True),
    }
    client = ClientProfile.objects.create(
        **fill_text_fields(
            ClientProfile, "card", owner=teacher, is_published=True, **_card_v2_parts("card")
        )
    )
    draft = ClientProfile.objects.create(
        **fill_text_fields(
            ClientProfile, "draft", owner=teacher, is_published=False, **_card_v2_parts("draft")
        )
    )
    session = session_start(student=student, client=client, prompt_version="xss")
    _converse(session)
    ended = session_start(student=student, client=client, prompt_version="xss")
    _converse(ended)
    session_end(session=ended)
    review_fields = {
        name: value
        for name, value in fill_text_fields(SessionReview, "review").items()
        if name in REVIEW_FIELDS
    }
    review_save(session=ended, reviewer=teacher, fields=review_fields)
    first = ended.messages.order_by("sequence_number").first()
    comment = comment_add(session=ended, reviewer=teacher, message=first, text=payload_text("note"))
    review_release(session=ended, reviewer=teacher)
    ErrorEvent.objects.create(
        **fill_text_fields(ErrorEvent, "error", severity=ErrorEvent.Severity.CRITICAL),
        session=session,
        user=student,
    )
    Group.objects.create(name=payload_text("group", 150))
    built = World(
        users=users, client=client, draft_client=draft, session=session, ended_session=ended
    )
    built.comment = comment
    built.preview = preview_start(client=client, teacher=teacher)
    _converse(built.preview)
    return built


# --- Walking the URLconf ------------------------------------------------------------------------

ParameterValues = Callable[[World], list[Any]]

PARAMETER_VALUES: dict[str, ParameterValues] = {
    "session_id": lambda w: [w.session.pk, w.ended_session.pk, w.preview.pk],
    "client_id": lambda w: [w.client.pk, w.draft_client.pk],
    "comment_id": lambda w: [w.comment.pk],
    "user_id": lambda w: [w.users[role].pk for role in ("student", "teacher", "staff")],
    "fmt": lambda w: _export_formats(),
    "dataset": lambda w: _datasets(),
    "uidb64": lambda w: [set_password_link(w)["uidb64"]],
    "token": lambda w: [set_password_link(w)["token"]],
}


def _export_formats() -> list[str]:
    """Every format any export takes; a view answers 404 to the ones it does not."""
    from monitoring import exports as monitoring_exports
    from reviews import exports as review_exports

    return sorted(set(review_exports.RENDERERS) | set(monitoring_exports.FORMATS))


def _datasets() -> list[str]:
    from monitoring import exports as monitoring_exports

    return sorted(monitoring_exports.DATASETS)


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _kwargs_for(route: str, world: World) -> Iterator[dict[str, Any]]:
    names = PARAMETER.findall(route)
    unknown = [name for name in names if name not in PARAMETER_VALUES]
    if unknown:
        pytest.fail(
            f"URL {route!r} takes {', '.join(unknown)}: add payload-filled values for it to "
            "PARAMETER_VALUES in tests/test_xss.py"
        )
    if "comment_id" in names:  # a comment belongs to one session
        yield {"session_id": world.comment.review.session_id, "comment_id": world.comment.pk}
        return
    for values in itertools.product(*(PARAMETER_VALUES[name](world) for name in names)):
        yield dict(zip(names, values, strict=True))


def _paths(world: World) -> Iterator[tuple[str, str]]:
    """(URL name, path) for every non-admin pattern and every kind of object it can show, then
    the admin pages of the authorization table."""
    for pattern in url_patterns():
        if pattern.is_admin:
            continue
        if pattern.name is None:
            pytest.fail(f"URL pattern {pattern.route!r} has no name: give it one")
        for kwargs in _kwargs_for(pattern.route, world):
            yield pattern.name, reverse(pattern.name, kwargs=kwargs)
    for case in admin_cases():
        if not case.name.endswith(("_changelist", "_change", "_history", ":index", ":app_list")):
            continue
        try:
            kwargs = case.kwargs(world)
        except pytest.fail.Exception:  # a model this world has no row of: its list is walked
            continue
        yield case.name, reverse(case.name, kwargs=kwargs)


def _get(user: User | None, path: str) -> HttpResponse:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    with transaction.atomic():
        response = client.get(path)
        transaction.set_rollback(True)
    return response


def _context(body: str, index: int) -> str:
    return body[max(0, index - 60) : index + 60].replace("\n", " ")


def html_problems(body: str) -> list[str]:
    found = [
        f"unescaped {token!r}: …{_context(body, body.index(token))}…"
        for token in UNESCAPED
        if token in body
    ]
    scan = _TagScan()
    scan.feed(body)
    scan.close()
    return found + scan.problems


class _TagScan(HTMLParser):
    """What a browser would run: event-handler attributes, javascript: URLs, inline scripts and
    frames. The pages have none of their own (the CSP forbids inline script and handlers)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has an event handler {name}={value!r}")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag}> has {name}={value!r}")
        if tag == "script" and "src" not in names and ("type", "application/json") not in attrs:
            self.problems.append(f"an inline <script> at line {self.getpos()[0]}")
        if tag in ("iframe", "frame", "object", "embed"):
            self.problems.append(f"a <{tag}> at line {self.getpos()[0]}")


def _body(response: HttpResponse) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def export_problems(response: HttpResponse, content: bytes) -> list[str]:
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    found = []
    if response.get("X-Content-Type-Options") != "nosniff":
        found.append("no X-Content-Type-Options: nosniff")
    if content_type != "application/json" and not response.get(
        "Content-Disposition", ""
    ).startswith("attachment"):
        found.append(f"{content_type} served inline, not as an attachment")
    if not content_type.startswith(("application/json", "text/")):
        return found  # a binary download (xlsx): served as an attachment, never rendered
    body = content.decode()
    if content_type == "application/json":
        json.loads(body)
    elif content_type == "text/csv":
        for row in csv.reader(io.StringIO(body)):
            found += [
                f"CSV cell runs as a formula: {cell[:60]!r}" for cell in row if _formula(cell)
            ]
    elif content_type == "text/markdown":
        for match in re.finditer(r"(?<!\\)[<\[]", body):
            found.append(f"Markdown keeps raw {match[0]!r}: …{_context(body, match.start())}…")
    return found


def _formula(cell: str) -> bool:
    return cell.startswith(("=", "+", "@")) or (cell.startswith("-") and not _number(cell))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _problems(response: HttpResponse, content: bytes) -> list[str]:
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        return html_problems(content.decode())
    return export_problems(response, content)


@pytest.fixture
def quiet_limits(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.RATELIMIT_ENABLE = False  # hundreds of GETs, exports included
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


# The pages the walk must have seen with a payload on them, escaped (a walk that quietly saw
# nothing would pass): (URL name, role).
MUST_SHOW_ESCAPED = [
    ("practice:gallery", "student"),
    ("sessions:detail", "student"),
    ("sessions:complete", "student"),
    ("clients:teacher_home", "teacher"),
    ("clients:edit", "teacher"),
    ("reviews:history", "teacher"),
    ("reviews:review", "teacher"),
    ("reviews:print", "teacher"),
    ("monitoring:sessions", "staff"),
    ("monitoring:session", "staff"),
    ("monitoring:errors", "staff"),
]
MUST_EXPORT = [
    ("reviews:export", "teacher"),
    ("clients:export", "teacher"),
    ("monitoring:export", "staff"),
]


@pytest.mark.usefixtures("quiet_limits")
def test_every_page_and_export_escapes_the_payloads(world: World) -> None:
    problems: list[str] = []
    shown: set[tuple[str, str]] = set()
    exported: set[tuple[str, str]] = set()
    checked = 0
    for name, path in _paths(world):
        for role in ROLES:
            response = _get(world.users[role], path)
            if response.status_code >= 500:
                problems.append(f"{role} GET {path}: {response.status_code}")
            if response.status_code != 200:
                continue
            checked += 1
            content = _body(response)
            problems += [f"{role} GET {path}: {p}" for p in _problems(response, content)]
            if response.get("Content-Type", "").startswith("text/html"):
                if ESCAPED_SCRIPT in content.decode():
                    shown.add((name, role))
            else:
                exported.add((name, role))
    assert not problems, "\n".join(problems)
    missing = [page for page in MUST_SHOW_ESCAPED if page not in shown]
    assert not missing, f"no escaped payload seen on {missing}: is the walk reaching them?"
    missing = [page for page in MUST_EXPORT if page not in exported]
    assert not missing, f"no export seen from {missing}"
    assert checked > 100


@pytest.mark.usefixtures("quiet_limits")
def test_exports_keep_the_text_exactly_and_neutralise_formulas(world: World) -> None:
    teacher = world.users["teacher"]
    path = reverse("reviews:export", kwargs={"session_id": world.ended_session.pk, "fmt": "json"})
    data = json.loads(_get(teacher, path).content)
    assert payload_text("model output") in [m["content"] for m in data["messages"]]
    path = reverse("reviews:export", kwargs={"session_id": world.ended_session.pk, "fmt": "csv"})
    rows = csv.reader(io.StringIO(_get(teacher, path).content.decode()))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA in cells
    card = json.loads(_get(teacher, reverse("clients:export", args=[world.client.pk])).content)
    assert card["name"] == world.client.name


def test_the_checks_would_catch_unescaped_output() -> None:
    for payload in PAYLOADS:
        if payload.startswith("{{"):
            assert html_problems("<p>evaluated-77</p>")
        elif payload.startswith("javascript:"):
            assert html_problems(f'<a href="{payload}">x</a>')
        else:
            assert html_problems(f"<p>{payload}</p>"), payload


# --- The socket's fragments ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_socket_fragments_escape_history_turns_and_streamed_model_output(
    fake_anthropic: FakeServer,
) -> None:
    student = await sync_to_async(_person)("xss-socket")
    teacher = await sync_to_async(_person)("xss-socket-t", User.Role.TEACHER)

    def prepare() -> PracticeSession:
        client = ClientProfile.objects.create(
            **fill_text_fields(
                ClientProfile, "card", owner=teacher, is_published=True, **_card_v2_parts("card")
            )
        )
        session = session_start(student=student, client=client, prompt_version="xss")
        _converse(session)
        return session

    session = await sync_to_async(prepare)()
    fake_anthropic.enqueue(Reply(text=payload_text("streamed")))
    socket = await open_socket(student, session.id, json_mode=False)
    fragments: list[str] = []
    try:
        fragments.append(await socket.receive())  # the history
        await socket.send(
            {
                "type": "student_message",
                "content": payload_text("sent"),
                "client_msg_id": str(uuid.uuid4()),
            }
        )
        while not await socket.communicator.receive_nothing(timeout=1.5):
            fragments.append(await socket.receive())
            assert len(fragments) < 200
    finally:
        await socket.close()
    problems = [p for fragment in fragments for p in html_problems(fragment)]
    assert not problems, "\n".join(problems)
    everything = "".join(fragments)
    assert everything.count(ESCAPED_SCRIPT) >= 4  # history, the turn, the streamed reply
    assert "streamed" in everything and "sent" in everything
    assert fake_anthropic.requests, "the reply did not come from the fake API"
