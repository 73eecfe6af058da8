from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.management.commands.seed_demo import DEMO_PASSWORD
from accounts.models import User
from clients.models import ClientProfile
from conftest import make_user


def _seed(*args: str) -> str:
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_creates_four_users_and_four_published_clients():
    output = _seed()
    users = {user.username: user for user in User.objects.all()}
    assert set(users) == {"teacher", "student", "student2", "staff"}
    assert users["teacher"].is_teacher
    assert users["student"].is_student and users["student2"].is_student
    assert users["staff"].is_staff and users["staff"].is_superuser
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())
    clients = ClientProfile.objects.all()
    assert clients.count() == 4
    assert all(client.is_published and client.owner == users["teacher"] for client in clients)
    assert "teacher, student, student2, staff" in output


@pytest.mark.django_db
def test_a_second_run_creates_nothing_new():
    _seed()
    first = set(ClientProfile.objects.values_list("id", flat=True))
    output = _seed()
    assert User.objects.count() == 4
    assert set(ClientProfile.objects.values_list("id", flat=True)) == first
    assert "none (already there)" in output


@pytest.mark.django_db
def test_it_adds_back_a_missing_demo_client_only():
    _seed()
    ClientProfile.objects.filter(name="Maya Torres").delete()
    _seed()
    assert sorted(ClientProfile.objects.values_list("name", flat=True)) == [
        "Aisha Rahman",
        "Frank Kowalski",
        "Jordan Lee",
        "Maya Torres",
    ]


@pytest.mark.django_db
def test_it_is_refused_when_debug_is_off():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DJANGO_DEBUG is off"):
        call_command("seed_demo")
    assert User.objects.count() == 0
    assert ClientProfile.objects.count() == 0


@pytest.mark.django_db
def test_if_empty_skips_when_real_users_exist():
    make_user("real-person")
    output = _seed("--if-empty")
    assert "no demo data added" in output
    assert list(User.objects.values_list("username", flat=True)) == ["real-person"]
    assert ClientProfile.objects.count() == 0


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database():
    _seed("--if-empty")
    assert User.objects.count() == 4
    assert ClientProfile.objects.count() == 4


@pytest.mark.django_db
def test_if_empty_runs_again_over_its_own_demo_users():
    _seed("--if-empty")
    _seed("--if-empty")
    assert User.objects.count() == 4
    assert ClientProfile.objects.count() == 4
