from django.core.management.base import BaseCommand, CommandError

from accounts.services import UserImportError, users_import


class Command(BaseCommand):
    help = (
        "Create users from a CSV file (columns: username, role, first_name, last_name, email) "
        "and print a one-time set-password link for each. All or nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("csv_file")
        parser.add_argument(
            "--base-url",
            default="",
            help="Prefix for the printed links, e.g. https://rapport.example.edu",
        )

    def handle(self, *args, csv_file: str, base_url: str, **options) -> None:
        try:
            with open(csv_file, encoding="utf-8-sig", newline="") as lines:
                imported = users_import(lines=lines)
        except OSError as error:
            raise CommandError(f"Cannot read {csv_file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{csv_file} is not UTF-8 text.") from None
        except UserImportError as error:
            raise CommandError(f"Nothing imported. {error}") from None
        for item in imported:
            self.stdout.write(
                f"{item.user.username}\t{item.user.role}\t{base_url}{item.set_password_path}"
            )
        self.stdout.write(self.style.SUCCESS(f"Imported {len(imported)} user(s)."))
