from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.services import errors_prune


class Command(BaseCommand):
    help = "Delete error events older than ERROR_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Keep this many days instead.")

    def handle(self, *args, days: int | None, **options) -> None:
        days = settings.ERROR_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        deleted = errors_prune(older_than_days=days)
        self.stdout.write(f"Deleted {deleted} error event(s) older than {days} day(s).")
