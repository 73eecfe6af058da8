import re

import pytest
from django.contrib.messages import get_messages

from accounts.models import User
from conftest import make_user

CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def people(db) -> list[User]:
    return [make_user("ana"), make_user("ben", User.Role.TEACHER)]


def test_the_changelist_loads_with_users(admin_client, people):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert b"ana" in response.content and b"ben" in response.content


def test_the_changelist_filters_by_role(admin_client, people):
    response = admin_client.get(CHANGELIST, {"role__exact": "teacher"})
    assert response.status_code == 200
    assert [user.username for user in response.context["cl"].result_list] == ["ben"]


def test_the_add_page_loads(admin_client):
    response = admin_client.get(f"{CHANGELIST}add/")
    assert response.status_code == 200
    assert b'name="role"' in response.content


def test_the_change_page_shows_the_role(admin_client, people):
    response = admin_client.get(f"{CHANGELIST}{people[1].pk}/change/")
    assert response.status_code == 200
    assert b'name="role"' in response.content


def test_non_staff_cannot_reach_the_admin(client, student):
    client.force_login(student)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_the_action_issues_working_set_password_links(admin_client, client, people):
    ana = people[0]
    response = admin_client.post(
        CHANGELIST,
        {"action": "issue_set_password_links", "_selected_action": [ana.pk]},
        follow=True,
    )
    notes = [str(message) for message in get_messages(response.wsgi_request)]
    assert len(notes) == 1
    link = re.search(r"^ana: (http://testserver(/accounts/set-password/\S+))$", notes[0])
    assert link
    form = client.get(link.group(2), follow=True)
    assert b'name="new_password1"' in form.content
    password = "another-long-password-9"
    client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    ana.refresh_from_db()
    assert ana.check_password(password)
