from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from clients.cards import IMPORT_MAX_CARDS, CardError, cards_from_file
from clients.services import ImportNeedsChoice, OnExisting, clients_import


def read_cards(paths: list[str]) -> list[dict]:
    """Every card of every file, within one import's limits (clients.cards), or CardError."""
    cards = []
    for path in paths:
        try:
            size = Path(path).stat().st_size
            cards.extend(cards_from_file(size, Path(path).read_bytes, source=path))
        except OSError as error:
            raise CardError(f"{path}: cannot be read ({error.strerror}).") from None
        if len(cards) > IMPORT_MAX_CARDS:
            raise CardError(f"More than {IMPORT_MAX_CARDS} cards in all; import fewer at once.")
    return cards


class Command(BaseCommand):
    help = (
        "Import client cards (client-card/v1 or v2 JSON files) for a teacher. All files or nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+")
        parser.add_argument("--owner", required=True, help="Username of the teacher who owns them")
        parser.add_argument("--publish", action="store_true", help="Make them visible to students")
        parser.add_argument(
            "--existing",
            choices=OnExisting.values,
            help="For a card named like a client the teacher has: update that client, import "
            "a copy with a suffix, or skip the card. Required when such names occur.",
        )

    def handle(
        self,
        *args,
        files: list[str],
        owner: str,
        publish: bool,
        existing: str | None,
        **options,
    ) -> None:
        teacher = User.objects.filter(username=owner, role=User.Role.TEACHER).first()
        if teacher is None:
            raise CommandError(f"Nothing imported. No teacher with username {owner!r}.")
        try:
            result = clients_import(
                cards=read_cards(files), owner=teacher, publish=publish, on_existing=existing
            )
        except CardError as error:
            raise CommandError(f"Nothing imported. {error}") from None
        except ImportNeedsChoice as error:
            raise CommandError(
                f"Nothing imported. {teacher.username} already has {', '.join(error.names)}: "
                "say --existing update, copy or skip."
            ) from None
        for client in result.created + result.updated:
            self.stdout.write(f"{client.id}\t{client.name}")
        done = f"Imported {len(result.created)} client(s)."
        if result.updated:
            done += f" Updated {len(result.updated)}."
        if result.skipped:
            done += f" Skipped {len(result.skipped)}: {', '.join(result.skipped)}."
        self.stdout.write(self.style.SUCCESS(done))
