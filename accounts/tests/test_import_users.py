import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command

from accounts.models import User
from conftest import make_user

GOOD_CSV = """username,role,first_name,last_name,email
ana,student,Ana,Alves,ana@example.edu
ben,teacher,Ben,Brown,ben@example.edu
cy,,Cy,Chen,
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "users.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _import(tmp_path: Path, text: str, *args: str) -> str:
    out = StringIO()
    call_command("import_users", _write(tmp_path, text), *args, stdout=out)
    return out.getvalue()


def _refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(CommandError) as error:
        _import(tmp_path, text)
    assert User.objects.count() == 0
    return str(error.value)


@pytest.mark.django_db
def test_it_creates_users_with_roles_and_no_password(tmp_path):
    _import(tmp_path, GOOD_CSV)
    users = {user.username: user for user in User.objects.all()}
    assert set(users) == {"ana", "ben", "cy"}
    assert users["ana"].role == User.Role.STUDENT
    assert users["ben"].role == User.Role.TEACHER
    assert users["cy"].role == User.Role.STUDENT
    assert users["ana"].email == "ana@example.edu"
    assert not any(user.has_usable_password() for user in users.values())


@pytest.mark.django_db
def test_it_prints_a_set_password_link_per_user(tmp_path):
    output = _import(tmp_path, GOOD_CSV, "--base-url", "https://rapport.example.edu")
    links = re.findall(r"^(\w+)\t(\w+)\t(\S+)$", output, flags=re.MULTILINE)
    assert [(name, role) for name, role, _ in links] == [
        ("ana", "student"),
        ("ben", "teacher"),
        ("cy", "student"),
    ]
    assert all(
        link.startswith("https://rapport.example.edu/accounts/set-password/") for *_, link in links
    )
    assert "Imported 3 user(s)." in output


@pytest.mark.django_db
def test_a_printed_link_lets_the_user_set_a_password_once(tmp_path, client):
    output = _import(tmp_path, GOOD_CSV)
    path = re.search(r"^ana\tstudent\t(\S+)$", output, flags=re.MULTILINE).group(1)
    form = client.get(path, follow=True)
    assert b'name="new_password1"' in form.content
    password = "a-long-and-unusual-password-7"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    assert done.status_code == 302
    client.post("/accounts/login/", {"username": "ana", "password": password})
    assert client.session[SESSION_KEY] == str(User.objects.get(username="ana").pk)
    client.logout()
    second = client.get(path, follow=True)
    assert b'name="new_password1"' not in second.content
    assert b"already been used" in second.content


@pytest.mark.django_db
def test_it_accepts_a_byte_order_mark(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(GOOD_CSV, encoding="utf-8-sig")
    call_command("import_users", str(path), stdout=StringIO())
    assert User.objects.count() == 3


@pytest.mark.django_db
def test_it_refuses_a_bad_role_naming_the_line(tmp_path):
    message = _refused(tmp_path, "username,role\nana,student\nben,admin\n")
    assert "Nothing imported" in message
    assert "Line 3" in message
    assert "'admin'" in message


@pytest.mark.django_db
def test_it_refuses_a_username_twice_in_the_file_naming_both_lines(tmp_path):
    message = _refused(tmp_path, "username\nana\nben\nana\n")
    assert "Line 4" in message
    assert "line 2" in message


@pytest.mark.django_db
def test_it_refuses_a_username_already_taken(tmp_path):
    make_user("ben")
    with pytest.raises(CommandError) as error:
        _import(tmp_path, "username\nana\nben\n")
    assert "Line 3" in str(error.value)
    assert "'ben' is already used" in str(error.value)
    assert list(User.objects.values_list("username", flat=True)) == ["ben"]


@pytest.mark.django_db
def test_it_refuses_an_unknown_column_naming_it(tmp_path):
    message = _refused(tmp_path, "username,role,password\nana,student,secret\n")
    assert "Line 1" in message
    assert "'password'" in message


@pytest.mark.django_db
def test_it_refuses_an_empty_username_naming_the_line(tmp_path):
    message = _refused(tmp_path, "username,role\nana,student\n ,teacher\n")
    assert "Line 3: username is empty" in message


@pytest.mark.django_db
def test_it_refuses_a_username_django_would_not_accept(tmp_path):
    message = _refused(tmp_path, "username\nana\nbad name!\n")
    assert "Line 3" in message
    assert "username" in message


@pytest.mark.django_db
def test_it_refuses_a_malformed_email(tmp_path):
    message = _refused(tmp_path, "username,email\nana,not-an-email\n")
    assert "Line 2" in message
    assert "email" in message


@pytest.mark.django_db
def test_it_refuses_a_row_with_more_values_than_columns(tmp_path):
    message = _refused(tmp_path, "username,role\nana,student,extra\n")
    assert "Line 2" in message


@pytest.mark.django_db
def test_it_refuses_a_file_without_a_username_header(tmp_path):
    message = _refused(tmp_path, "name,role\nana,student\n")
    assert "username" in message


@pytest.mark.django_db
def test_it_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_users", str(tmp_path / "missing.csv"))


@pytest.mark.django_db
def test_it_reports_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes("username\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_users", str(path))
    assert User.objects.count() == 0


def test_a_capitalised_role_is_the_same_role(db, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("username,role\nann,Student\nbob, TEACHER \n", encoding="utf-8")
    call_command("import_users", str(path), stdout=StringIO())
    assert dict(User.objects.values_list("username", "role")) == {
        "ann": User.Role.STUDENT,
        "bob": User.Role.TEACHER,
    }


def test_an_unknown_role_is_refused_in_a_plain_sentence(db, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("username,role\nann,Admin\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Line 2: role must be student or teacher, not 'Admin'"):
        call_command("import_users", str(path), stdout=StringIO())
    assert not User.objects.exists()
