import csv
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import NOTICE_VERSION, User

USER_CSV_COLUMNS = ("username", "role", "first_name", "last_name", "email")


class UserImportError(ValueError):
    pass


@dataclass(frozen=True)
class ImportedUser:
    user: User
    set_password_path: str


def user_set_password_path(*, user: User) -> str:
    """A one-time link: it stops working once the password changes (or after the timeout)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})


def _parse_user_rows(lines: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(lines)
    if not reader.fieldnames or "username" not in reader.fieldnames:
        raise UserImportError("Line 1: the CSV needs a header row with a 'username' column.")
    unknown = set(reader.fieldnames) - set(USER_CSV_COLUMNS)
    if unknown:
        raise UserImportError(
            f"Line 1: unknown column(s) {', '.join(repr(name) for name in sorted(unknown))}; "
            f"the columns are {', '.join(USER_CSV_COLUMNS)}."
        )
    rows = []
    for row in reader:
        line_number = reader.line_num
        if None in row:
            raise UserImportError(f"Line {line_number}: more values than there are columns.")
        username = (row.get("username") or "").strip()
        typed_role = (row.get("role") or User.Role.STUDENT).strip()
        role = typed_role.lower()  # "Student" and "student" are one role: spreadsheets capitalise
        if not username:
            raise UserImportError(f"Line {line_number}: username is empty.")
        if role not in User.Role.values:
            raise UserImportError(
                f"Line {line_number}: role must be student or teacher, not {typed_role!r}."
            )
        fields = {key: (row.get(key) or "").strip() for key in USER_CSV_COLUMNS} | {"role": role}
        rows.append((line_number, fields))
    return rows


def _check_new_user(line_number: int, user: User) -> None:
    try:
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as error:
        problems = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
        raise UserImportError(f"Line {line_number}: {problems}") from None


@transaction.atomic
def users_import(*, lines: Iterable[str]) -> list[ImportedUser]:
    """Create users from CSV lines; all or nothing. Existing usernames are refused."""
    rows = _parse_user_rows(lines)
    taken = set(
        User.objects.filter(username__in=[row["username"] for _, row in rows]).values_list(
            "username", flat=True
        )
    )
    first_line: dict[str, int] = {}
    users = []
    for line_number, row in rows:
        username = row["username"]
        if username in taken:
            raise UserImportError(f"Line {line_number}: username {username!r} is already used.")
        if username in first_line:
            raise UserImportError(
                f"Line {line_number}: username {username!r} is already on line "
                f"{first_line[username]}."
            )
        first_line[username] = line_number
        user = User(**row)
        _check_new_user(line_number, user)
        users.append(user)
    imported = []
    for user in users:
        user.set_unusable_password()
        user.save()
        imported.append(
            ImportedUser(user=user, set_password_path=user_set_password_path(user=user))
        )
    return imported


def notice_acknowledge(*, user: User, version: str = NOTICE_VERSION) -> User:
    """Record that the user read this version of the first-login notice, and when."""
    user.notice_version = version
    user.notice_acknowledged_at = timezone.now()
    user.save(update_fields=["notice_version", "notice_acknowledged_at"])
    return user
