"""A teacher's test conversation has its own flow: no content-warning page, no student survey, an
end page with what the test used and cost, and every link on the way for teachers to open."""

import re
from html.parser import HTMLParser

import pytest
from asgiref.sync import async_to_sync
from django.urls import resolve

from conftest import EXCHANGE_COST, add_exchange, make_client
from conversations.engine import history_events
from conversations.models import Message
from conversations.renderers import render_history
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start
from tests.test_authorization import FORBIDDEN, HTTP_CASES, OK

REPLY_COST = EXCHANGE_COST


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ending a session goes through channels' database_sync_to_async, which closes "old"
    connections first: inside the test's transaction on PostgreSQL that would be the test's own
    (Django's test client switches close_old_connections off for the same reason)."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def _test_with_a_reply(teacher, client_profile) -> tuple[PracticeSession, Message]:
    session = session_start(student=teacher, client=client_profile, kind="teacher_test")
    reply = add_exchange(session, "Hi, what brings you in?", "Work, mostly.", cost=REPLY_COST)
    session.refresh_from_db()
    return session, reply


# --- Point 5: its own flow ------------------------------------------------------------------------


def test_a_teachers_test_conversation_starts_without_the_students_content_warning_page(
    client, teacher
):
    warned = make_client(teacher, content_warnings=["self-harm"], is_published=False)
    client.force_login(teacher)
    response = client.post(f"/practice/clients/{warned.id}/start/")
    test = PracticeSession.objects.get(student=teacher, client_profile=warned)
    assert response.status_code == 302
    assert response.url == f"/sessions/{test.id}/"
    assert test.kind == PracticeSession.Kind.TEACHER_TEST


def test_a_student_still_reads_the_content_warnings_first(client, student, teacher):
    warned = make_client(teacher, content_warnings=["self-harm"])
    client.force_login(student)
    page = client.post(f"/practice/clients/{warned.id}/start/").content.decode()
    assert "Before you start with" in page
    assert not PracticeSession.objects.filter(student=student).exists()


def test_ending_a_test_conversation_shows_its_tokens_cost_and_time_and_no_survey(
    client, teacher, client_profile
):
    session, _ = _test_with_a_reply(teacher, client_profile)
    client.force_login(teacher)
    ended = client.post(f"/sessions/{session.id}/end/", follow=True)
    page = ended.content.decode()
    assert ended.redirect_chain[-1][0] == f"/sessions/{session.id}/complete/"
    assert "Test conversation ended" in page
    assert re.search(r"Tokens</dt><dd[^>]*>1,240<", page)
    assert re.search(r"Cost</dt><dd[^>]*>\$0\.000123<", page)
    assert "Time</dt>" in page
    assert f'href="/teach/clients/{client_profile.id}/edit/"' in page
    assert f'href="/teach/clients/{client_profile.id}/preview/"' in page
    for survey in ("How much did you learn", "Reflect on the session", "Start a new session"):
        assert survey not in page


def test_a_students_ended_session_still_asks_for_reflection(client, student, practice_session):
    session_end(session=practice_session)
    client.force_login(student)
    page = client.get(f"/sessions/{practice_session.id}/complete/").content.decode()
    assert "Reflect on the session" in page
    assert "Test conversation ended" not in page


class _Targets(HTMLParser):
    """Every link's href and every form's action on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag == "form" and values.get("action"):
            self.forms.append(values["action"])


def _student_only_url_names() -> set[str]:
    """URL names the authorization matrix opens to students and forbids to teachers."""
    return {
        case.name
        for case in HTTP_CASES
        if case.expect.teacher == FORBIDDEN and case.expect.student == OK
    }


def _targets(html: str) -> _Targets:
    targets = _Targets()
    targets.feed(html)
    return targets


def _internal(url: str, base: str) -> str | None:
    if url.startswith(("http:", "https:", "mailto:", "#")):
        return None
    return url if url.startswith("/") else base + url


def test_no_link_on_a_teachers_pages_leads_to_a_student_only_page(client, teacher, client_profile):
    """The teacher's home, a test conversation with content warnings (start, talk, end), its end
    page and its record: every link and form on the way is one a teacher may open."""
    client_profile.content_warnings = ["grief"]
    client_profile.save(update_fields=["content_warnings"])
    client.force_login(teacher)
    student_only = _student_only_url_names()
    assert "practice:gallery" in student_only and "practice:sessions" in student_only

    started = client.post(f"/practice/clients/{client_profile.id}/start/", follow=True)
    session = PracticeSession.objects.get(student=teacher, client_profile=client_profile)
    pages = {"/teach/": client.get("/teach/"), "start": started}
    pages[f"/sessions/{session.id}/"] = client.get(f"/sessions/{session.id}/")
    pages["end"] = client.post(f"/sessions/{session.id}/end/", follow=True)
    pages[f"/sessions/{session.id}/"] = client.get(f"/sessions/{session.id}/")

    for label, response in pages.items():
        assert response.status_code == OK, label
        base = response.request["PATH_INFO"]
        targets = _targets(response.content.decode())
        for url in targets.links + targets.forms:
            path = _internal(url, base)
            if path is None or path.startswith("/static/"):
                continue
            name = resolve(path.split("?")[0]).view_name
            assert name not in student_only, f"{label} links to {url} ({name}), a student page"
        for url in targets.links:
            path = _internal(url, base)
            if path is None or path.startswith("/static/"):
                continue
            assert client.get(path).status_code != FORBIDDEN, f"{label}: {url} is forbidden"


# --- Point 6: costs from the stored rows --------------------------------------------------------


def test_per_reply_costs_survive_a_reload_of_the_test_conversation(client, teacher, client_profile):
    session, reply = _test_with_a_reply(teacher, client_profile)
    client.force_login(teacher)
    page = client.get(f"/sessions/{session.id}/").content.decode()
    assert f'data-message-id="{reply.id}"' in page
    assert f'data-cost-usd="{REPLY_COST}"' in page
    assert "1240 tokens · $0.000123 · first token 420 ms · full reply 1300 ms" in page


def test_a_reconnecting_teacher_gets_the_costs_of_stored_replies(teacher, client_profile):
    session, _reply = _test_with_a_reply(teacher, client_profile)
    events = async_to_sync(history_events)(session.id)
    html = async_to_sync(render_history)(session, events, can_see_costs=True)
    assert f'data-cost-usd="{REPLY_COST}"' in html
    assert "1240 tokens · $0.000123" in html


def test_a_student_never_sees_per_reply_costs_on_reload_or_reconnect(
    client, student, practice_session
):
    add_exchange(practice_session, "Hello.", "Hm.", cost=REPLY_COST)
    client.force_login(student)
    page = client.get(f"/sessions/{practice_session.id}/").content.decode()
    events = async_to_sync(history_events)(practice_session.id)
    html = async_to_sync(render_history)(practice_session, events, can_see_costs=False)
    for shown in (page, html):
        assert "data-cost-usd" not in shown
        assert "tokens" not in shown
        assert str(REPLY_COST) not in shown


def test_the_ended_test_shows_its_cost_and_each_replys_cost(client, teacher, client_profile):
    session, reply = _test_with_a_reply(teacher, client_profile)
    session_end(session=session)
    client.force_login(teacher)
    page = client.get(f"/sessions/{session.id}/").content.decode()
    assert re.search(r"data-test-cost>\$0\.000123<", page)
    assert f'data-message-id="{reply.id}"' in page
    assert "1240 tokens · $0.000123" in page
