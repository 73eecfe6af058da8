from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sessions_app.services import sessions_abandon_stale


class Command(BaseCommand):
    help = "Mark sessions idle for SESSION_IDLE_MINUTES (or --minutes) as abandoned."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--minutes", type=int, default=settings.SESSION_IDLE_MINUTES)

    def handle(self, *args, minutes: int, **options) -> None:
        if minutes < 1:
            raise CommandError(f"--minutes must be at least 1, not {minutes}.")
        count = sessions_abandon_stale(idle_minutes=minutes)
        self.stdout.write(f"Abandoned {count} session(s) idle for more than {minutes} minutes.")
