import datetime
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from monitoring.selectors import Day, daily_metrics
from sessions_app.money import usd

LINES = [
    ("Sessions created", "sessions_created"),
    ("Conversations completed", "conversations_completed"),
    ("Messages sent", "messages_sent"),
    ("Tokens used", "tokens"),
    ("Cost", "cost"),
    ("Errors", "errors"),
    ("Critical errors", "critical_errors"),
    ("Average time to first token (ms)", "first_token_avg_ms"),
    ("Average time to full reply (ms)", "full_reply_avg_ms"),
]


def _shown(name: str, value: object) -> str:
    if name == "cost":
        return usd(value)
    return "-" if value is None else str(value)


def report_text(days: list[Day], time_zone: str) -> str:
    blocks = []
    for day in days:
        lines = [f"Daily metrics for {day.day.isoformat()} ({time_zone})"]
        for label, name in LINES:
            lines.append(f"  {label + ':':<36}{_shown(name, getattr(day, name))}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def report_json(days: list[Day], time_zone: str) -> str:
    return json.dumps({"time_zone": time_zone, "days": [day.as_json() for day in days]}, indent=2)


class Command(BaseCommand):
    help = (
        "Print the daily metrics (sessions created, conversations completed, messages sent, "
        "tokens, cost, errors, average time to first token) for days in TIME_ZONE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", type=datetime.date.fromisoformat, help="The last day (YYYY-MM-DD); today."
        )
        parser.add_argument("--days", type=int, default=1, help="How many days up to --date.")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--practice-only",
            action="store_true",
            help="Leave out teacher tests and demo-mode sessions.",
        )

    def handle(self, *args, **options) -> None:
        if not 1 <= options["days"] <= 366:
            raise CommandError("--days must be between 1 and 366.")
        until = options["date"] or timezone.localdate()
        since = until - datetime.timedelta(days=options["days"] - 1)
        days = daily_metrics(since=since, until=until, practice_only=options["practice_only"])
        time_zone = timezone.get_current_timezone_name()
        render = report_json if options["format"] == "json" else report_text
        self.stdout.write(render(days, time_zone))
