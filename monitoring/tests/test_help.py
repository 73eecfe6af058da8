HELP = "/help/"


def test_students_get_their_instructions_only(client, student):
    client.force_login(student)
    response = client.get(HELP)
    assert response.status_code == 200
    body = response.content.decode()
    assert "For students" in body
    assert "For teachers" not in body
    assert 'href="/help/"' in body


def test_teachers_get_theirs_with_the_feedback_form(client, teacher):
    client.force_login(teacher)
    body = client.get(HELP).content.decode()
    assert "For teachers" in body
    assert 'href="/feedback/"' in body
    assert "For staff" not in body


def test_staff_get_a_pointer_to_the_monitor(client, staff):
    client.force_login(staff)
    assert "For staff" in client.get(HELP).content.decode()


def test_anonymous_users_log_in_first(client, db):
    assert client.get(HELP).status_code == 302
