"""A teacher's test conversation: cost per reply and a running total; students see neither."""

from conversations.renderers import render_event
from sessions_app.services import session_start

COMPLETED = {
    "type": "reply.completed",
    "message_id": "5d6c3a38-2f44-4c55-9d53-8f0b5a1c2d3e",
    "content": "Okay.",
    "token_count": 1240,
    "cost_usd": "0.0001234567",
    "first_token_ms": 400,
    "total_ms": 900,
}


def test_a_completed_reply_carries_its_cost_for_the_running_total():
    html = render_event(COMPLETED, can_see_costs=True, client_name="Robin")
    assert 'data-cost-usd="0.0001234567"' in html
    assert 'data-tokens="1240"' in html
    assert f'data-message-id="{COMPLETED["message_id"]}"' in html


def test_students_get_no_cost_in_the_fragment():
    html = render_event(COMPLETED, can_see_costs=False, client_name="Robin")
    assert "data-cost-usd" not in html
    assert "0.0001234567" not in html


def test_the_test_conversation_page_shows_the_running_total(client, teacher, client_profile):
    test = session_start(student=teacher, client=client_profile, kind="teacher_test")
    client.force_login(teacher)
    page = client.get(f"/sessions/{test.id}/").content.decode()
    assert 'id="running-cost"' in page
    assert "js/teacher_costs.js" in page


def test_a_students_page_has_no_running_total(client, student, practice_session):
    client.force_login(student)
    page = client.get(f"/sessions/{practice_session.id}/").content.decode()
    assert "running-cost" not in page
    assert "teacher_costs.js" not in page
