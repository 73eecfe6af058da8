from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.login_limits import login_failure_record


@receiver(user_login_failed)
def count_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Every failed password check counts, whichever login form made it (site or admin)."""
    if request is None:  # Client.login() in tests, or a script: no address to count against
        return
    login_failure_record(request, str(credentials.get("username") or ""))
