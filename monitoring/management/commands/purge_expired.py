from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.datacare import purge_expired


class Command(BaseCommand):
    help = (
        "Delete sessions (with their messages, reviews, reflections and feedback) that ended "
        "more than DATA_RETENTION_DAYS ago. docs/privacy.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Instead of the setting.")
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, days: int | None, dry_run: bool, **options) -> None:
        days = settings.DATA_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        sessions, rows = purge_expired(days=days, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{sessions} session(s) are older than {days} day(s); none deleted.")
        else:
            self.stdout.write(
                f"Deleted {sessions} session(s) older than {days} day(s) ({rows} rows in all)."
            )
