"""Every page that shows a cost reads it the one way (sessions_app/money.py): the same reply of
$0.0002957 read $0.0002957, $0.000295 (cut), $0.0002957000 and $0.0003 on different pages."""

import re
from decimal import Decimal

import pytest

from conftest import add_exchange, make_user
from conversations.renderers import render_event
from sessions_app.models import PracticeSession
from sessions_app.money import usd
from sessions_app.services import session_end, session_start

# A reply under a cent, and a long session past one: the tiers where pages disagreed.
COSTS = [(Decimal("0.0002957"), "$0.000296"), (Decimal("0.0312345"), "$0.0312")]
DOLLARS = re.compile(r"\$\d[\d,]*\.\d+")
# Targets written by people, not figures: the pilot's goal reads "under $0.01".
TARGETS = {"$0.01"}


@pytest.fixture(params=COSTS, ids=["under a cent", "past a cent"])
def costed(request, student, teacher, client_profile) -> dict:
    cost, shown = request.param
    practice = session_start(student=student, client=client_profile)
    add_exchange(practice, cost=cost)
    session_end(session=practice)
    test = session_start(student=teacher, client=client_profile, kind="teacher_test")
    PracticeSession.objects.filter(pk=test.pk).update(estimated_cost=cost)
    return {"practice": practice, "test": test, "cost": cost, "shown": shown}


def _assert_one_money_format(page: str, costed: dict, where: str) -> None:
    """What a person reads (the text, not data attributes for scripts) uses usd() only."""
    text = re.sub(r"<[^>]+>", " ", page)
    assert costed["shown"] in text, f"{where}: {costed['shown']} missing"
    for figure in set(DOLLARS.findall(text)) - TARGETS:
        assert usd(Decimal(figure[1:].replace(",", ""))) == figure, f"{where}: {figure}"
    assert str(costed["cost"]) not in text, f"{where}: the raw figure"


def test_every_teacher_page_that_shows_a_cost_reads_it_the_same_rounded_way(
    client, teacher, costed
):
    practice, test = costed["practice"].pk, costed["test"].pk
    client.force_login(teacher)
    for path in (
        "/teach/sessions/",
        f"/teach/sessions/{practice}/",
        f"/teach/sessions/{practice}/print/",
        f"/sessions/{test}/",  # the teacher's own test conversation: its running total
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_one_money_format(response.content.decode(), costed, path)


def test_every_staff_page_that_shows_a_cost_reads_it_the_same_rounded_way(client, costed):
    PracticeSession.objects.update(demo_mode=False)
    PracticeSession.objects.filter(pk=costed["test"].pk).delete()  # one session: one total
    practice = costed["practice"].pk
    staff = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(staff)
    for path in (
        "/monitor/",
        "/monitor/sessions/",
        f"/monitor/sessions/{practice}/",
        "/monitor/daily/",
        "/monitor/pilot/",
        "/admin/sessions_app/practicesession/",
        f"/admin/sessions_app/practicesession/{practice}/change/",
        "/admin/conversations/message/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_one_money_format(response.content.decode(), costed, path)


def test_a_teacher_sees_each_reply_cost_in_the_one_money_format_on_the_socket():
    event = {
        "type": "reply.completed",
        "message_id": "m1",
        "content": "Hi.",
        "token_count": 940,
        "cost_usd": "0.0002957000",
        "first_token_ms": 420,
        "total_ms": 1300,
    }
    html = render_event(event, can_see_costs=True, client_name="Test Client")
    assert "940 tokens · $0.000296 · first token 420 ms · full reply 1300 ms" in html
    assert 'data-cost-usd="0.0002957000"' in html  # the exact figure stays for the running total
