import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from monitoring.datacare import (
    DataCareError,
    user_export,
    user_export_full,
    user_pseudonymise,
    user_remove,
)

EXPORTS = {"export": user_export, "export-full": user_export_full}


class Command(BaseCommand):
    help = (
        "One person's data: `export USERNAME` prints their own data as JSON, to hand to them "
        "(an access request); `export-full USERNAME` prints everything held, teachers' private "
        "material included, for staff only; `delete USERNAME --mode pseudonymise|remove` keeps "
        "their sessions under a pseudonym or deletes them with the account. docs/privacy.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["export", "export-full", "delete"])
        parser.add_argument("username")
        parser.add_argument("--mode", choices=["pseudonymise", "remove"])
        parser.add_argument("--yes", action="store_true", help="Do not ask before deleting.")

    def handle(self, *args, action: str, username: str, mode: str | None, yes: bool, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        if action in EXPORTS:
            data = EXPORTS[action](user=user)
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        if mode is None:
            raise CommandError("Say --mode pseudonymise (keep sessions) or --mode remove.")
        if not yes and not _confirmed(
            f"{mode} {username}? Type the username to confirm: ", username
        ):
            raise CommandError("Not confirmed; nothing changed.")
        if mode == "pseudonymise":
            user_pseudonymise(user=user)
            self.stdout.write(f"{username} is now {user.username}; their sessions are kept.")
            return
        try:
            rows = user_remove(user=user)
        except DataCareError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Removed {username} and their sessions ({rows} rows).")


def _confirmed(question: str, username: str) -> bool:
    """Ask on the terminal; with none (cron, a pipe) refuse plainly rather than die on EOF."""
    if not sys.stdin or not sys.stdin.isatty():
        raise CommandError(
            "Nothing changed: there is no terminal to confirm on. Add --yes to delete without "
            "asking.",
            returncode=2,
        )
    try:
        return input(question) == username
    except EOFError:
        return False
