import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from clients.cards import card_from_client
from clients.models import ClientProfile


class Command(BaseCommand):
    help = "Print client cards as a JSON list (client-card/v2), optionally one teacher's only."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--owner", help="Username of the teacher whose clients to export")
        parser.add_argument("--output", help="Write to this file instead of standard output")

    def handle(self, *args, owner: str | None, output: str | None, **options) -> None:
        clients = ClientProfile.objects.order_by("name")
        if owner:
            if not User.objects.filter(username=owner).exists():
                raise CommandError(f"No user with username {owner!r}.")
            clients = clients.filter(owner__username=owner)
        text = json.dumps([card_from_client(c) for c in clients], indent=2, ensure_ascii=False)
        if output is None:
            self.stdout.write(text)
            return
        try:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text + "\n")
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stderr.write(f"Exported {clients.count()} client(s) to {output}.")
