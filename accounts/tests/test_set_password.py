import pytest
from django.contrib.auth import SESSION_KEY

from accounts.models import User
from accounts.services import user_set_password_path

NEW_PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture
def new_user(db) -> User:
    user = User(username="newbie", role=User.Role.STUDENT)
    user.set_unusable_password()
    user.save()
    return user


def _set_password(client, path: str):
    page = client.get(path, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    return page, client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


def test_the_link_sets_a_password_that_logs_in(client, new_user):
    page, response = _set_password(client, user_set_password_path(user=new_user))
    assert page.status_code == 200
    assert b"Set your password" in page.content
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    login = client.post("/accounts/login/", {"username": "newbie", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert client.session[SESSION_KEY] == str(new_user.pk)


def test_a_used_link_is_refused(client, new_user):
    path = user_set_password_path(user=new_user)
    _set_password(client, path)
    client.logout()
    again = client.get(path, follow=True)
    assert b"already been used or has expired" in again.content
    assert b'name="new_password1"' not in again.content


def test_a_made_up_token_is_refused(client, new_user):
    path = user_set_password_path(user=new_user)
    broken = path.rstrip("/").rsplit("/", 1)[0] + "/abc-0123456789abcdef/"
    response = client.get(broken, follow=True)
    assert b"already been used or has expired" in response.content


def test_a_weak_password_is_refused_with_the_reason(client, new_user):
    page = client.get(user_set_password_path(user=new_user), follow=True)
    response = client.post(
        page.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert b"too short" in response.content
    new_user.refresh_from_db()
    assert not new_user.has_usable_password()
