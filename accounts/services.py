import csv
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User

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


def _parse_user_rows(lines: Iterable[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(lines)
    if not reader.fieldnames or "username" not in reader.fieldnames:
        raise UserImportError("The CSV needs a header row with at least a 'username' column.")
    unknown = set(reader.fieldnames) - set(USER_CSV_COLUMNS)
    if unknown:
        raise UserImportError(f"Unknown column(s): {', '.join(sorted(unknown))}.")
    rows = []
    for line_number, row in enumerate(reader, start=2):
        username = (row.get("username") or "").strip()
        role = (row.get("role") or User.Role.STUDENT).strip()
        if not username:
            raise UserImportError(f"Line {line_number}: username is empty.")
        if role not in User.Role.values:
            raise UserImportError(
                f"Line {line_number}: role must be student or teacher, not {role!r}."
            )
        rows.append(
            {key: (row.get(key) or "").strip() for key in USER_CSV_COLUMNS} | {"role": role}
        )
    return rows


@transaction.atomic
def users_import(*, lines: Iterable[str]) -> list[ImportedUser]:
    """Create users from CSV lines; all or nothing. Existing usernames are refused."""
    rows = _parse_user_rows(lines)
    usernames = [row["username"] for row in rows]
    taken = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    duplicates = {name for name in usernames if usernames.count(name) > 1}
    if taken or duplicates:
        raise UserImportError(f"Username(s) already used: {', '.join(sorted(taken | duplicates))}.")
    imported = []
    for row in rows:
        user = User(**row)
        user.set_unusable_password()
        user.save()
        imported.append(
            ImportedUser(user=user, set_password_path=user_set_password_path(user=user))
        )
    return imported
