from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from clients.cards import cards_parse
from clients.models import ClientProfile
from clients.services import clients_import

DEMO_CARDS = Path(settings.BASE_DIR) / "clients" / "demo_cards"
DEMO_PASSWORD = "rapport-demo"
DEMO_USERS = [
    {
        "username": "teacher",
        "first_name": "Tess",
        "last_name": "Teacher",
        "role": User.Role.TEACHER,
    },
    {"username": "student", "first_name": "Sam", "last_name": "Student", "role": User.Role.STUDENT},
    {
        "username": "student2",
        "first_name": "Alex",
        "last_name": "Second",
        "role": User.Role.STUDENT,
    },
    {
        "username": "staff",
        "first_name": "Pat",
        "last_name": "Staff",
        "role": User.Role.TEACHER,
        "is_staff": True,
        "is_superuser": True,
    },
]


@transaction.atomic
def demo_seed() -> list[str]:
    """Create the demo users and published fixture clients once; later runs change nothing."""
    created = []
    for fields in DEMO_USERS:
        user, is_new = User.objects.get_or_create(username=fields["username"], defaults=fields)
        if is_new:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created.append(user.username)
    teacher = User.objects.get(username="teacher")
    known = set(ClientProfile.objects.filter(owner=teacher).values_list("name", flat=True))
    cards = [
        card
        for path in sorted(DEMO_CARDS.glob("*.json"))
        for card in cards_parse(path.read_text(encoding="utf-8"), source=path.name)
        if card["name"] not in known
    ]
    clients_import(cards=cards, owner=teacher, publish=True)
    return created


class Command(BaseCommand):
    help = "Create demo users (teacher, student, student2, staff) and the published demo clients."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database has users already"
        )

    def handle(self, *args, if_empty: bool, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is only for development: DJANGO_DEBUG is off.")
        if (
            if_empty
            and User.objects.exclude(username__in=[u["username"] for u in DEMO_USERS]).exists()
        ):
            self.stdout.write("The database has real users; no demo data added.")
            return
        created = demo_seed()
        self.stdout.write(f"Demo users created: {', '.join(created) or 'none (already there)'}.")
        self.stdout.write(
            f"Log in as teacher, student, student2 or staff with the password {DEMO_PASSWORD!r}."
        )
