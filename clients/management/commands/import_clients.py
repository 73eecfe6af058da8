from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from clients.cards import CardError, cards_parse
from clients.services import clients_import


def read_cards(paths: list[str]) -> list[dict]:
    cards = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise CardError(f"{path}: cannot be read ({error.strerror}).") from None
        except UnicodeDecodeError:
            raise CardError(f"{path}: is not UTF-8 text.") from None
        cards.extend(cards_parse(text, source=path))
    return cards


class Command(BaseCommand):
    help = "Import client cards (client-card/v1 JSON files) for a teacher. All files or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+")
        parser.add_argument("--owner", required=True, help="Username of the teacher who owns them")
        parser.add_argument("--publish", action="store_true", help="Make them visible to students")

    def handle(self, *args, files: list[str], owner: str, publish: bool, **options) -> None:
        teacher = User.objects.filter(username=owner, role=User.Role.TEACHER).first()
        if teacher is None:
            raise CommandError(f"Nothing imported. No teacher with username {owner!r}.")
        try:
            created = clients_import(cards=read_cards(files), owner=teacher, publish=publish)
        except CardError as error:
            raise CommandError(f"Nothing imported. {error}") from None
        for client in created:
            self.stdout.write(f"{client.id}\t{client.name}")
        self.stdout.write(self.style.SUCCESS(f"Imported {len(created)} client(s)."))
