import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.loadgen import generate


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic students, clients, sessions, messages and errors "
        "(bulk inserts), for benchmarks: the default is 10,000 sessions of 40 messages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sessions", type=int, default=10_000)
        parser.add_argument("--messages-per-session", type=int, default=40)
        parser.add_argument("--students", type=int, default=200)
        parser.add_argument("--clients", type=int, default=20)
        parser.add_argument("--days", type=int, default=30, help="Spread over this many days.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options) -> None:
        for name in ("sessions", "students", "clients", "days"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if options["messages_per_session"] < 0:
            raise CommandError("--messages-per-session must not be negative.")
        began = time.monotonic()
        made = generate(
            sessions=options["sessions"],
            messages_per_session=options["messages_per_session"],
            students=options["students"],
            clients=options["clients"],
            days=options["days"],
            seed=options["seed"],
        )
        self.stdout.write(
            f"Made {made.users} users, {made.clients} clients, {made.sessions} sessions, "
            f"{made.messages} messages and {made.errors} error events "
            f"in {time.monotonic() - began:.1f} s."
        )
