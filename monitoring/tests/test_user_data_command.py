import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User


def test_delete_without_yes_and_without_a_terminal_refuses_plainly_with_exit_status_2(
    student, monkeypatch
):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # cron or a pipe: no terminal, no input
    with pytest.raises(CommandError) as refused:
        call_command("user_data", "delete", "stu", "--mode", "remove")
    assert refused.value.returncode == 2
    assert str(refused.value) == (
        "Nothing changed: there is no terminal to confirm on. Add --yes to delete without asking."
    )
    assert User.objects.filter(username="stu").exists()


def test_delete_asks_on_a_terminal_and_ends_of_input_change_nothing(student, monkeypatch):
    class EndedTerminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", EndedTerminal(""))
    with pytest.raises(CommandError, match=r"Not confirmed; nothing changed\."):
        call_command("user_data", "delete", "stu", "--mode", "remove")
    assert User.objects.filter(username="stu").exists()
